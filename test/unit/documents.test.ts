import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDetails } from '#shared/documents/documents.ts';
import { formatDate, formatDateTime, formatMoney, jpegOrientation, sanitise } from '#shared/documents/pdf.ts';
import {
  type BusinessDetails,
  type GasSafetyRecordDocument,
  type InvoiceDocument,
  type JobReportDocument,
  type QuoteDocument,
  renderGasSafetyRecord,
  renderInvoice,
  renderJobReport,
  renderQuote,
} from '#shared/documents/render.ts';
import { withPoppler } from '../fixtures/poppler.ts';

// The documents are checked with real PDF tools (Debian's poppler-utils), not by peeking at pdf-lib's objects: what
// pdftotext reads out is what a customer's viewer shows and what a search or a screen reader finds.

/**
 * A 64x48 baseline JPEG (980 bytes: a red-to-blue gradient with a white disc), made by libjpeg through
 * `pdftoppm -jpeg` from a page drawn with pdf-lib; there is no JPEG encoder among the dependencies.
 */
const photoJpeg = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxO' +
    'UlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09P' +
    'T09PT09PT0//wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF' +
    'BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW' +
    'V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi' +
    '4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC' +
    'AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm' +
    'Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq' +
    '8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCgajapDUbV5FA+zrDDUZqTBZgqgkk4AHeuisPBd/dRLJcypaq38LAs4H0/+vXsUWluePiJ' +
    'xjuzlTTDXVal4J1C2iaW1lS6Vedqgq5HsP8A69cq6lWKsCCDgg9q9jDSUtjyqsk9iNqjNSNUZr26B5dY2jUbVIajavzSgfoNY6Lw' +
    'RYpc6pJcSpuFsoK56BieD+hrv64DwRfJbapJbyvtFyoC56FgeB+prv69WOx8xjr+1dwrzjx/YR2urR3MSbVulLNjoXB5P6ivR684' +
    '8f38d1q0dtE+5bVSrY6ByeR+grtwV/aqxxnJtUZqRqjNfU0DhrG0ajapDUbV+aUD9BrDMlWDKSCDkEdq6Kw8aX9rEsdzEl0q/wAT' +
    'Eq5H1/8ArVzpqM17FFJ7nj4iEZbo6PUvG2oXMTRWsSWqtxuUlnA9j/8AWrlXYsxZiSScknvTzTDXsYaKjseVVilsRtUZqRqjNe3Q' +
    'PLrH/9k=',
  'base64',
);

/** A signature's ink: a dark wave on a transparent ground, 200x60. */
const signaturePng = png(200, 60, (x, y) => {
  const ink = Math.abs(y - (30 + 18 * Math.sin(x / 14) * Math.cos(x / 37))) < 2.2;
  return ink ? [20, 30, 70, 255] : [0, 0, 0, 0];
});

/** A logo: an accent bar over a lighter one, 120x40. */
const logoPng = png(120, 40, (_x, y) => (y < 26 ? [16, 74, 120, 255] : [120, 170, 210, 255]));

const business: BusinessDetails = {
  name: 'Hartley Plumbing & Heating Ltd',
  address: ['Unit 4, Riverside Trade Park', 'Leeds', 'LS11 5QP'],
  phone: '0113 496 0000',
  email: 'accounts@hartley-heating.example',
  vatNumber: 'GB 123 4567 89',
  companyNumber: '09876543',
  gasSafeRegistration: '561234',
  logoPng,
  paymentTermsDays: 30,
  bankDetails: 'Sort code 12-34-56, account 12345678',
};

const invoice: InvoiceDocument = {
  business,
  number: 'INV-000123',
  issuedAt: '2026-12-02T10:15:00.000Z',
  dueAt: '2027-01-01',
  customer: { name: 'Mrs J. Okafor', address: ['17 Church Lane', 'Headingley', 'Leeds LS6 3BR'] },
  site: { name: 'Flat 2, Church Lane Court', address: ['19 Church Lane', 'Leeds LS6 3BR'] },
  workOrderRef: 'WO-2026-0457',
  lines: [
    { description: 'Boiler replacement labour (hours)', qty: 8, unitMinor: 7_500, totalMinor: 60_000 },
    { description: 'Combi boiler, 30 kW', qty: 1, unitMinor: 42_880, totalMinor: 42_880 },
  ],
  subtotalMinor: 102_880,
  taxMinor: 20_576,
  taxRatePercent: 20,
  totalMinor: 123_456,
  currency: 'GBP',
};

const quote: QuoteDocument = {
  business,
  number: 'Q-000042',
  createdAt: '2026-11-20T09:00:00.000Z',
  validUntil: '2026-12-20',
  customer: { name: 'Mr A. Patel', address: ['3 Mill Row', 'Leeds LS12 1AB'] },
  description: 'Replace the kitchen radiator and fit thermostatic valves to the three bedroom radiators.',
  lines: [
    { description: 'Double panel radiator, 600 x 1000', qty: 1, unitMinor: 14_500, totalMinor: 14_500 },
    { description: 'Thermostatic radiator valve, 15 mm', qty: 3, unitMinor: 1_840, totalMinor: 5_520 },
    { description: 'Labour', qty: 4.5, unitMinor: 7_500, totalMinor: 33_750 },
  ],
  subtotalMinor: 53_770,
  taxMinor: 10_754,
  taxRatePercent: 20,
  totalMinor: 64_524,
  currency: 'GBP',
  acceptUrl: 'https://fieldops.example/q/Q-000042/accept',
};

const jobReport: JobReportDocument = {
  business: { ...business, logoPng: undefined },
  workOrderRef: 'WO-2026-0457',
  jobTitle: 'No heating or hot water: boiler locked out',
  customer: { name: 'Mrs J. Okafor', address: ['17 Church Lane', 'Leeds LS6 3BR'] },
  site: { name: 'Flat 2, Church Lane Court', address: ['19 Church Lane', 'Leeds LS6 3BR'] },
  engineer: {
    name: 'Sam Whitaker',
    certificates: [
      { label: 'Gas Safe', number: '7654321' },
      { label: 'OFTEC', number: 'C12345' },
    ],
  },
  startedAt: '2026-12-01T09:05:00.000Z',
  completedAt: '2026-12-01T11:40:00.000Z',
  outcome: 'Fixed first time',
  findings: 'Condensate pipe frozen where it runs outside; boiler showing fault code EA.',
  workDone: 'Thawed and lagged the condensate pipe, reset the boiler and checked operation.',
  partsUsed: [{ name: 'Pipe lagging, 22 mm (1 m)', qty: 2 }],
  checklist: [
    { label: 'Boiler pressure within range', answer: 'Yes' },
    { label: 'Working pressure at appliance', answer: '18.5 mbar' },
    { label: 'Flue gas analysis CO/CO2 ratio', answer: '0.0021' },
  ],
  photos: [{ caption: 'Condensate pipe after lagging', jpeg: photoJpeg }],
  signature: { name: 'J. Okafor', png: signaturePng, signedAt: '2026-12-01T11:45:00.000Z' },
  followUp: 'Recommend rerouting the condensate pipe internally before next winter.',
};

const gasRecord: GasSafetyRecordDocument = {
  business,
  recordNumber: 'GSR-2026-0099',
  issuedAt: '2026-12-02T14:00:00.000Z',
  site: { name: '5 Victoria Terrace', address: ['Leeds LS3 1AA'] },
  customer: { name: 'Northway Lettings', address: ['PO Box 12', 'Leeds LS1 4DJ'] },
  engineer: { name: 'Sam Whitaker', gasSafeNumber: '7654321' },
  appliances: [
    {
      description: 'Combi boiler',
      location: 'Kitchen',
      make: 'Worcester',
      model: 'Greenstar 30i',
      flueType: 'Room sealed',
      readings: [
        { label: 'Operating pressure', value: '20.1 mbar' },
        { label: 'CO/CO2 ratio', value: '0.0019' },
      ],
      checks: [
        { label: 'Ventilation satisfactory', passed: true },
        { label: 'Flue performance (spillage) test', passed: null },
        { label: 'Safety devices operate correctly', passed: true },
      ],
      safeToUse: true,
    },
    {
      description: 'Gas fire',
      location: 'Living room',
      flueType: 'Open flue',
      readings: [{ label: 'Burner pressure', value: '14.2 mbar' }],
      checks: [
        { label: 'Ventilation satisfactory', passed: false },
        { label: 'Flue performance (spillage) test', passed: false },
      ],
      safeToUse: false,
    },
  ],
  defects: ['Gas fire spills products of combustion: disconnected and labelled "Do not use".'],
  remedialAction: 'Gas fire capped off; landlord advised to have the chimney swept and inspected.',
  nextCheckDue: '2027-12-01',
};

let workdir: string;

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'fieldops-documents-test-'));
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe.skipIf(!withPoppler('an invoice: read back'))('an invoice', () => {
  it('holds its number, every line, the subtotal, the VAT at its rate and exactly the total given', async () => {
    // Act
    const text = pdfText(await renderInvoice(invoice));

    // Assert
    expect(text).toContain('INV-000123');
    for (const line of invoice.lines) expect(text).toContain(line.description);
    expect(text).toMatch(/Subtotal\s+£1,028\.80/);
    expect(text).toMatch(/VAT \(20%\)\s+£205\.76/);
    expect(text).toMatch(/Total\s+£1,234\.56/);
    expect(text).toContain('WO-2026-0457');
    expect(text).toContain('2 December 2026');
    expect(text).toContain('Payment due within 30 days, by 1 January 2027');
    expect(text).toContain('Sort code 12-34-56, account 12345678');
    expect(text).toContain('VAT no. GB 123 4567 89');
  });

  it('prints the total it is given, not one it works out from the lines', async () => {
    // Arrange: a total that disagrees with the lines (a rounding the billing module owns) is still the total shown.
    const odd = { ...invoice, totalMinor: 123_457 };

    // Act
    const text = pdfText(await renderInvoice(odd));

    // Assert
    expect(text).toMatch(/Total\s+£1,234\.57/);
    expect(text).not.toContain('£1,234.56');
  });

  it('flows a 60-line invoice onto a second page, numbered "Page 2 of 2"', async () => {
    // Arrange
    const lines = Array.from({ length: 60 }, (_, i) => ({
      description: `Fitting item ${i + 1}`,
      qty: 1,
      unitMinor: 1_000,
      totalMinor: 1_000,
    }));

    // Act
    const text = pdfText(await renderInvoice({ ...invoice, lines }));

    // Assert
    expect(text).toContain('Page 1 of 2');
    expect(text).toContain('Page 2 of 2');
    expect(text).not.toContain('of 3');
    for (const line of lines) expect(text).toContain(`${line.description} `);
    expect(text).toMatch(/Total\s+£1,234\.56/);
  });

  it('renders hostile text (emoji, Cyrillic, arrows, a 300-character word, control characters) inside the margins', async () => {
    // Arrange
    const longWord = 'Z'.repeat(300);
    const hostile: InvoiceDocument = {
      ...invoice,
      customer: { name: 'Дмитрий 😀 Ivanov\u0000\u0007', address: ['“Quoted” – street…\u00a0\u200b\u202eLeeds'] },
      lines: [
        { description: `Service → annual ${longWord}`, qty: 1, unitMinor: 100, totalMinor: 100 },
        { description: '👨‍👩‍👧 family\tplan\r\nsecond line', qty: 1, unitMinor: 0, totalMinor: 0 },
      ],
    };

    // Act
    const pdf = await renderInvoice(hostile);

    // Assert
    const text = pdfText(pdf);
    expect(text).toContain('Service -> annual');
    expect(text).toContain('? Ivanov??');
    expect(text).toContain('"Quoted" - street... Leeds');
    expect(text.match(/Z+/g)?.join('')).toBe(longWord);
    const rightEdges = wordBoxes(pdf).map((word) => word.xMax);
    expect(Math.max(...rightEdges)).toBeLessThanOrEqual(595.28 - 48 + 0.5);
  });

  it('is the same bytes every time it is rendered from the same data', async () => {
    // Act
    const first = await renderInvoice(invoice);
    const second = await renderInvoice(structuredClone(invoice));

    // Assert
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  it('says who made it and when in its properties: the invoice date, not the time it was rendered', async () => {
    // Act
    const info = pdfInfo(await renderInvoice(invoice));

    // Assert
    expect(info).toMatch(/^Title:\s+Invoice INV-000123$/m);
    expect(info).toMatch(/^Author:\s+Hartley Plumbing & Heating Ltd$/m);
    expect(info).toMatch(/^Creator:\s+FieldOps$/m);
    expect(info).toMatch(/^CreationDate:.*2026-12-02T10:15:00/m);
  });
});

describe.skipIf(!withPoppler('a quote: read back'))('a quote', () => {
  it('holds its number, its lines, the total, the validity and where to accept it', async () => {
    // Act
    const text = pdfText(await renderQuote(quote));

    // Assert
    expect(text).toContain('Q-000042');
    for (const line of quote.lines) expect(text).toContain(line.description);
    expect(text).toMatch(/Total\s+£645\.24/);
    expect(text).toMatch(/VAT \(20%\)\s+£107\.54/);
    expect(text).toContain('This quote is valid until 20 December 2026.');
    expect(text).toContain('Accept online: https://fieldops.example/q/Q-000042/accept');
  });
});

describe.skipIf(!withPoppler('a job report: read back'))('a job report', () => {
  it('holds every checklist item with its answer, the engineer and their certificate numbers', async () => {
    // Act
    const text = pdfText(await renderJobReport(jobReport));

    // Assert
    for (const item of jobReport.checklist)
      expect(text).toMatch(new RegExp(`${escaped(item.label)}\\s+${escaped(item.answer)}`));
    expect(text).toContain('Sam Whitaker');
    expect(text).toContain('Gas Safe 7654321');
    expect(text).toContain('OFTEC C12345');
    expect(text).toContain('1 December 2026, 09:05');
    expect(text).toContain('Signed by J. Okafor on 1 December 2026, 11:45');
    expect(text).toContain('Photo 1: Condensate pipe after lagging');
    expect(text).toContain('Recommend rerouting the condensate pipe');
  });

  it('embeds the photo and the signature as images', async () => {
    // Act
    const images = pdfImages(await renderJobReport(jobReport));

    // Assert
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(images).toContainEqual({ type: 'image', width: 64, height: 48 });
    expect(images).toContainEqual({ type: 'image', width: 200, height: 60 });
  });

  it('embeds a photo whose bytes are a view into a larger buffer, as a pooled Node Buffer is', async () => {
    // Arrange
    const larger = new Uint8Array(photoJpeg.length + 100);
    larger.set(photoJpeg, 100);
    const view = new Uint8Array(larger.buffer, 100, photoJpeg.length);

    // Act
    const images = pdfImages(await renderJobReport({ ...jobReport, photos: [{ caption: 'Meter', jpeg: view }] }));

    // Assert
    expect(images).toContainEqual({ type: 'image', width: 64, height: 48 });
  });

  it('has a first page with something on it', async () => {
    // Act
    const { width, height, inked } = firstPageRaster(await renderJobReport(jobReport));

    // Assert: A4 at 50 dpi (pdftoppm rounds up), and more than a sliver of it drawn on.
    expect([width, height]).toEqual([414, 585]);
    expect(inked / (width * height)).toBeGreaterThan(0.01);
  });

  it('still renders when a photo is not a JPEG, saying the image could not be read', async () => {
    // Arrange
    const broken = { ...jobReport, photos: [{ caption: 'Meter', jpeg: new Uint8Array([1, 2, 3]) }] };

    // Act
    const text = pdfText(await renderJobReport(broken));

    // Assert
    expect(text).toContain('Photo 1: Meter (the image could not be read)');
  });
});

describe.skipIf(!withPoppler('a gas safety record: read back'))('a gas safety record', () => {
  it("holds the engineer's Gas Safe number, every reading, failed checks, the defects and the next check date", async () => {
    // Act
    const text = pdfText(await renderGasSafetyRecord(gasRecord));

    // Assert
    expect(text).toContain('Gas Safe licence no. 7654321');
    expect(text).toMatch(/Gas Safe reg\. no\.\s+561234/);
    for (const appliance of gasRecord.appliances) {
      for (const reading of appliance.readings) {
        expect(text).toMatch(new RegExp(`${escaped(reading.label)}\\s+${escaped(reading.value)}`));
      }
    }
    expect(text).toMatch(/Flue performance \(spillage\) test\s+Not checked/);
    expect(text).toMatch(/Ventilation satisfactory\s+Fail/);
    expect(text).toContain('Appliance safe to use: Yes');
    expect(text).toContain('Appliance safe to use: No');
    expect(text).toContain('disconnected and labelled "Do not use"');
    expect(text).toContain('Next safety check due by 1 December 2027');
  });

  it('says "No defects found" when there are none', async () => {
    // Act
    const text = pdfText(await renderGasSafetyRecord({ ...gasRecord, defects: [] }));

    // Assert
    expect(text).toContain('No defects found');
  });
});

describe('the text, money and dates the documents print', () => {
  it('maps typography to ASCII, keeps Latin-1, and makes anything else a "?"', () => {
    expect(sanitise('“Hi” – it’s… → café £5 Dvořák 😀 Дом\u0007\u200b')).toBe(
      '"Hi" - it\'s... -> café £5 Dvorák ? ????',
    );
    expect(sanitise('Insulation ≥ 200 MΩ\r\nnext')).toBe('Insulation >= 200 Mohm\nnext');
  });

  it('writes money from minor units as the UK does, in any currency, never throwing', () => {
    expect(formatMoney(123_456, 'GBP')).toBe('£1,234.56');
    expect(formatMoney(-500, 'EUR')).toBe('-€5.00');
    expect(formatMoney(1_500, 'JPY')).toBe('JP¥1,500');
    expect(sanitise(formatMoney(500, 'INR'))).toBe('INR 5.00');
    expect(formatMoney(500, 'not a currency')).toBe('not a currency 5.00');
  });

  it('writes dates as "2 December 2026" in UK time, and leaves text that is no date as it is', () => {
    expect(formatDate('2026-12-02')).toBe('2 December 2026');
    expect(formatDate('2026-06-30T23:30:00Z')).toBe('1 July 2026');
    expect(formatDateTime('2026-06-30T23:30:00Z')).toBe('1 July 2026, 00:30');
    expect(formatDate('next spring')).toBe('next spring');
  });

  it('writes them in the business’s own time zone when it has set one', () => {
    expect(formatDateTime('2026-06-30T23:30:00Z', 'America/New_York')).toBe('30 June 2026, 19:30');
    const business = { version: 1, name: 'Hudson Heating', address: [], paymentTermsDays: 30, updatedAt: '' };
    expect(businessDetails({ ...business, timeZone: 'America/New_York' }).timeZone).toBe('America/New_York');
    expect(businessDetails(business).timeZone).toBeUndefined();
  });

  it("reads a phone photo's EXIF orientation, and none from a JPEG without one", () => {
    expect(jpegOrientation(withOrientation(photoJpeg, 6))).toBe(6);
    expect(jpegOrientation(photoJpeg)).toBeUndefined();
    expect(jpegOrientation(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });
});

// --- Reading the PDFs with poppler ----------------------------------------------------------------------------------

let written = 0;

function pdfFile(pdf: Uint8Array): string {
  const file = join(workdir, `document-${++written}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/**
 * Runs one of poppler's tools. In CI (which installs poppler-utils) a missing tool fails, saying what to install;
 * elsewhere the tests that need it are skipped with a note (test/fixtures/poppler.ts).
 */
function poppler(tool: string, args: string[]): Buffer {
  try {
    return execFileSync(tool, args, { maxBuffer: 64 << 20 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${tool} was not found: these tests read the PDFs with poppler-utils. apt-get install poppler-utils`,
      );
    }
    throw error;
  }
}

/** The text a viewer shows, laid out as on the page (columns side by side). */
function pdfText(pdf: Uint8Array): string {
  return poppler('pdftotext', ['-layout', '-enc', 'UTF-8', pdfFile(pdf), '-']).toString('utf8');
}

function pdfInfo(pdf: Uint8Array): string {
  return poppler('pdfinfo', ['-isodates', '-enc', 'UTF-8', pdfFile(pdf)]).toString('utf8');
}

/** Every word's box, in points from the page's left edge. */
function wordBoxes(pdf: Uint8Array): Array<{ xMax: number; text: string }> {
  const html = poppler('pdftotext', ['-bbox', '-enc', 'UTF-8', pdfFile(pdf), '-']).toString('utf8');
  return [...html.matchAll(/<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)].map(
    (match) => ({ xMax: Number(match[1]), text: match[2] ?? '' }),
  );
}

/** The images `pdfimages -list` finds: their kind (image, smask) and pixel size. */
function pdfImages(pdf: Uint8Array): Array<{ type: string; width: number; height: number }> {
  const listing = poppler('pdfimages', ['-list', pdfFile(pdf)]).toString('utf8');
  return listing
    .split('\n')
    .slice(2)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length > 4)
    .map((columns) => ({ type: columns[2] ?? '', width: Number(columns[3]), height: Number(columns[4]) }));
}

/** Page 1 at 50 dpi, and how many of its pixels are not white. */
function firstPageRaster(pdf: Uint8Array): { width: number; height: number; inked: number } {
  const ppm = poppler('pdftoppm', ['-r', '50', '-f', '1', '-l', '1', pdfFile(pdf)]);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a binary PPM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = ppm.subarray(header[0].length);
  let inked = 0;
  for (let i = 0; i + 2 < pixels.length; i += 3) {
    if ((pixels[i] ?? 255) < 245 || (pixels[i + 1] ?? 255) < 245 || (pixels[i + 2] ?? 255) < 245) inked++;
  }
  return { width, height, inked };
}

// --- Making images ---------------------------------------------------------------------------------------------------

/** A truecolour-with-alpha PNG, one pixel at a time: IHDR, one zlib IDAT, IEND, each chunk with its CRC-32. */
function png(width: number, height: number, pixel: (x: number, y: number) => number[]): Uint8Array {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method variants, not interlaced
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const framed = Buffer.alloc(body.length + 8);
  framed.writeUInt32BE(data.length, 0);
  body.copy(framed, 4);
  framed.writeUInt32BE(crc32(body), body.length + 4);
  return framed;
}

/** CRC-32 as PNG uses it (ISO 3309); written out because zlib.crc32 is newer than Node 20.0. */
function crc32(bytes: Uint8Array): number {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The JPEG with an EXIF APP1 segment (big-endian TIFF, one entry: Orientation) inserted after its SOI marker. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = Buffer.from([
    ...[0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08], // "MM", 42, first directory at 8
    ...[0x00, 0x01], // one entry
    ...[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00], // Orientation, SHORT, 1
    ...[0x00, 0x00, 0x00, 0x00], // no next directory
  ]);
  const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(exif.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, exif, jpeg.subarray(2)]);
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
