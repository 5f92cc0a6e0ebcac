import { degrees, PDFDocument, type PDFFont, type PDFImage, type PDFPage, type RGB, rgb, StandardFonts } from 'pdf-lib';

// Page layout helpers over pdf-lib for the documents customers keep: A4 pages that text flows down, onto a new page
// when one is full, with tables, pictures and a letterhead, and "Page N of M" on every page. Everything here is pure:
// data in, PDF bytes out, the same bytes for the same data.

/** A4 portrait in points (1/72 inch). */
const pageSize: [number, number] = [595.28, 841.89];
/** 17 mm all round. */
const margin = 48;
/** Room kept at the foot of every page for its footer line. */
const footerRoom = 28;
const top = pageSize[1] - margin;
const bottom = margin + footerRoom;
const lineSpacing = 1.32;
const runningHeaderRoom = 20;

/** The document's colours: black on white, grey for labels and rules, and one accent for titles and headings. */
export const colours = {
  text: rgb(0, 0, 0),
  muted: rgb(0.32, 0.32, 0.32),
  rule: rgb(0.78, 0.78, 0.78),
  accent: rgb(0.06, 0.29, 0.47),
} as const;

/** The UK time zone, in which a trade document's times are read unless the business says otherwise. */
export const defaultTimeZone = 'Europe/London';

// --- Text the standard fonts can draw -------------------------------------------------------------------------------

/**
 * The code points pdf-lib's WinAnsi encoding (all Helvetica can draw) encodes: printable ASCII, Latin-1 and a few
 * typographic extras. Anything else makes `drawText` throw, so every string is {@link sanitise}d first.
 */
const encodable = new Set<number>([
  ...range(0x20, 0x7e),
  ...range(0xa0, 0xff),
  ...[0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019],
  ...[0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122],
]);

/**
 * Plain ASCII for typography phones and word processors put in (curly quotes, dashes, ellipses, arrows, odd spaces),
 * and readings engineers write with symbols the fonts lack (Ω in an insulation resistance, Greek μ).
 */
const substitutes = new Map<string, string>([
  ...charsTo("'", '\u2018\u2019\u201a\u201b\u2032\u2035'),
  ...charsTo('"', '\u201c\u201d\u201e\u201f\u2033\u2036'),
  ...charsTo('-', '\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d'),
  ...charsTo('...', '\u2026\u22ef'),
  ...charsTo('->', '\u2192\u21d2\u27f6\u27f9\u2794\u279c\u27a1\u2933'),
  ...charsTo('<-', '\u2190\u21d0\u27f5\u27f8\u2b05'),
  ...charsTo('<->', '\u2194\u21d4\u27f7'),
  ...charsTo(' ', '\u00a0\t'),
  ...charsTo('', '\u00ad'),
  ...charsTo('-', '\u2023\u2043\u25aa\u25cf\u25e6\u2219'),
  ...charsTo('<=', '\u2264'),
  ...charsTo('>=', '\u2265'),
  ...charsTo('!=', '\u2260'),
  ...charsTo('~', '\u2248'),
  ...charsTo('OK', '\u2713\u2714\u2705'),
  ...charsTo('X', '\u2717\u2718\u274c'),
  ...charsTo('ohm', '\u03a9\u2126'),
  ...charsTo('\u00b5', '\u03bc'),
  ...charsTo('L', '\u0141'),
  ...charsTo('l', '\u0142'),
  ...charsTo('D', '\u0110'),
  ...charsTo('d', '\u0111'),
  ...charsTo('i', '\u0131'),
]);

/**
 * Text Helvetica can draw, whatever came in: typography mapped to ASCII, accented letters outside Latin-1 reduced to
 * their base letter ("Dvořák" becomes "Dvorák"), invisible format characters (zero-width joiners, bidi overrides,
 * variation selectors) dropped, line ends made `\n`, and anything else (emoji, Cyrillic, control characters) a `?`.
 */
export function sanitise(text: string): string {
  const lines = String(text)
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n');
  let out = '';
  for (const char of lines) out += char === '\n' ? char : substituteFor(char);
  return out;
}

function substituteFor(char: string): string {
  const substitute = substitutes.get(char);
  if (substitute !== undefined) return substitute;
  if (encodable.has(char.codePointAt(0) ?? -1)) return char;
  if (/\p{Cc}/u.test(char)) return '?';
  if (/\p{Zs}/u.test(char)) return ' ';
  if (/[\p{Cf}\p{Mn}\p{Me}]/u.test(char)) return '';
  const decomposed = [...char.normalize('NFKD')].filter((part) => encodable.has(part.codePointAt(0) ?? -1)).join('');
  return decomposed || '?';
}

/**
 * Lines of `text` no wider than `width` at `size`: words wrap at spaces, a word wider than the line is broken where it
 * must be, and each `\n` starts a new line (a blank line stays blank). The text must already be sanitised.
 */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const widthOf = (s: string) => textWidth(font, s, size);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/).filter(Boolean)) {
      const joined = line ? `${line} ${word}` : word;
      if (widthOf(joined) <= width) {
        line = joined;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      if (widthOf(word) <= width) {
        line = word;
        continue;
      }
      const pieces = breakWord(word, widthOf, width);
      lines.push(...pieces.slice(0, -1));
      line = pieces.at(-1) ?? '';
    }
    lines.push(line);
  }
  return lines;
}

const advances = new WeakMap<PDFFont, Map<string, number>>();

/**
 * The width `text` is drawn at: the sum of its glyphs' advances. Not pdf-lib's `widthOfTextAtSize`, which counts
 * kerning that `drawText` never applies, so right-aligned text measured with it overruns the margin by a point or so.
 */
export function textWidth(font: PDFFont, text: string, size: number): number {
  let known = advances.get(font);
  if (!known) {
    known = new Map();
    advances.set(font, known);
  }
  let width = 0;
  for (const char of text) {
    let advance = known.get(char);
    if (advance === undefined) {
      advance = font.widthOfTextAtSize(char, 1000);
      known.set(char, advance);
    }
    width += advance;
  }
  return (width * size) / 1000;
}

/** A word too long for a line in pieces that fit, at least one character each (so a narrow column still ends). */
function breakWord(word: string, widthOf: (s: string) => number, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceWidth = 0;
  for (const char of word) {
    const charWidth = widthOf(char);
    if (piece && pieceWidth + charWidth > width) {
      pieces.push(piece);
      piece = '';
      pieceWidth = 0;
    }
    piece += char;
    pieceWidth += charWidth;
  }
  pieces.push(piece);
  return pieces;
}

// --- Money, quantities and dates ------------------------------------------------------------------------------------

/**
 * An amount in minor units (pence) as the UK writes it, "£1,234.56": `Intl.NumberFormat('en-GB')` in `currency`,
 * with the currency's own number of minor digits (none for yen). A currency whose symbol the fonts lack is written by
 * its code ("INR 5.00"), and an unknown code never throws: "XYZ 12.34".
 */
export function formatMoney(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    const amount = minor / 10 ** digits;
    const written = format.format(amount);
    return isDrawable(written)
      ? written
      : new Intl.NumberFormat('en-GB', { style: 'currency', currency, currencyDisplay: 'code' }).format(amount);
  } catch {
    return `${currency} ${(minor / 100).toFixed(2)}`;
  }
}

/** True when `text` draws as it is, so nothing in it would be replaced. */
function isDrawable(text: string): boolean {
  return [...text].every((char) => char === '\u00a0' || encodable.has(char.codePointAt(0) ?? -1));
}

/** A quantity: whole numbers as they are, fractions (1.5 hours) to at most two places. */
export function formatQuantity(qty: number): string {
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(qty);
}

/** A percentage rate as on a VAT line: "20%", "17.5%". */
export function formatPercent(rate: number): string {
  return `${formatQuantity(rate)}%`;
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/** The instant an ISO date or timestamp names; `undefined` when it names none. */
export function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(dateOnly.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A date as the UK writes it, "2 December 2026", on the day it is in `timeZone` (a bare "2026-12-02" is that day
 * wherever). Text that is no date is printed as it is rather than failing the document.
 */
export function formatDate(value: string, timeZone = defaultTimeZone): string {
  const date = parseDate(value);
  if (!date) return value;
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: dateOnly.test(value) ? 'UTC' : zoneOrDefault(timeZone),
  }).format(date);
}

/**
 * A date and a 24-hour time, "2 December 2026, 09:30", in `timeZone`. Composed of two formats rather than one so the
 * joining word does not change with the ICU release (newer ones write "at"), keeping documents reproducible.
 */
export function formatDateTime(value: string, timeZone = defaultTimeZone): string {
  const date = parseDate(value);
  if (!date || dateOnly.test(value)) return formatDate(value, timeZone);
  const zone = zoneOrDefault(timeZone);
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: zone,
  });
  return `${formatDate(value, zone)}, ${time.format(date)}`;
}

function zoneOrDefault(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return defaultTimeZone;
  }
}

// --- The page flow --------------------------------------------------------------------------------------------------

/** How a run of text is set. Sizes are in points. */
export interface TextStyle {
  size?: number;
  bold?: boolean;
  colour?: RGB;
  align?: 'left' | 'right' | 'center';
  /** Line height as a multiple of the size. */
  leading?: number;
}

/** Something of a known height that draws itself at a left edge and a top edge: a line of text, a picture, a rule. */
export interface Piece {
  height: number;
  draw(page: PDFPage, x: number, top: number): void;
}

/** A table column: its heading, its share of the text width (the shares add up to 1 or less) and its alignment. */
export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

/** A table cell: text, bold when it must stand out (a failed check). */
export type Cell = string | { text: string; bold?: boolean };

/** What a PDF says about itself, shown by viewers under "Properties". */
export interface DocumentInfo {
  title: string;
  author: string;
  subject?: string;
  /** The document's own date (when it was issued), not the time of rendering, so renders are reproducible. */
  createdAt?: string;
  /** Printed small at the top of every page after the first, so a loose page says what it belongs to. */
  runningHeader?: string;
  /** Printed small at the foot of every page, left of "Page N of M". */
  footer?: string;
}

const cellPadding = 4;
const rowPadding = 2.5;
const tableSize = 9;
/** Table lines are set a little tighter than text, so a long invoice takes fewer pages. */
const tableLeading = 1.25;

/**
 * Content flowing down A4 pages: each piece is placed below the last, on a new page when it does not fit, and
 * {@link PageFlow.finish} numbers the pages and returns the bytes. Measurements are in points from the left margin.
 */
export class PageFlow {
  /** The width text may take, margin to margin. */
  readonly width = pageSize[0] - 2 * margin;
  readonly left = margin;
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = top;
  /** True until something is placed on the current page: a piece that does not fit a fresh page is placed anyway. */
  private fresh = true;

  private constructor(
    readonly doc: PDFDocument,
    readonly fonts: { regular: PDFFont; bold: PDFFont },
    private readonly info: DocumentInfo,
  ) {
    this.addPage();
  }

  /** A new document with its properties set (Title, Author, Creator "FieldOps", CreationDate) and one empty page. */
  static async open(info: DocumentInfo): Promise<PageFlow> {
    // updateMetadata: false keeps pdf-lib from stamping the time of rendering: the same data gives the same bytes.
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.setTitle(info.title, { showInWindowTitleBar: true });
    doc.setAuthor(info.author);
    if (info.subject) doc.setSubject(info.subject);
    doc.setCreator('FieldOps');
    doc.setProducer('pdf-lib');
    doc.setLanguage('en-GB');
    const created = parseDate(info.createdAt);
    if (created) {
      doc.setCreationDate(created);
      doc.setModificationDate(created);
    }
    const [regular, bold] = await Promise.all([
      doc.embedFont(StandardFonts.Helvetica),
      doc.embedFont(StandardFonts.HelveticaBold),
    ]);
    return new PageFlow(doc, { regular, bold }, info);
  }

  /** The height left on the current page. */
  get remaining(): number {
    return this.y - bottom;
  }

  /** The height a fresh page offers. */
  get pageHeight(): number {
    return top - bottom - (this.info.runningHeader ? runningHeaderRoom : 0);
  }

  /** Continues on a new page. */
  addPage(): void {
    this.page = this.doc.addPage(pageSize);
    this.pages.push(this.page);
    this.y = top;
    this.fresh = true;
    if (this.pages.length > 1 && this.info.runningHeader) {
      const line = this.lines(this.info.runningHeader, { size: 8, colour: colours.muted }, this.width)[0];
      line?.draw(this.page, this.left, this.y);
      this.y -= runningHeaderRoom;
    }
  }

  /** Starts a new page unless `height` fits on this one (or this one is still empty). */
  ensure(height: number): void {
    if (height > this.remaining && !this.fresh) this.addPage();
  }

  /** Places a piece below the last, on a new page if it does not fit. */
  place(piece: Piece, indent = 0): void {
    this.ensure(piece.height);
    piece.draw(this.page, this.left + indent, this.y);
    this.y -= piece.height;
    this.fresh = false;
  }

  /** Places pieces that belong together (a heading and its first lines, a picture and its caption) on one page. */
  keepTogether(pieces: Piece[], indent = 0): void {
    const height = pieces.reduce((sum, piece) => sum + piece.height, 0);
    if (height <= this.pageHeight) this.ensure(height);
    for (const piece of pieces) this.place(piece, indent);
  }

  /** Vertical space; at the foot of a page it is simply dropped. */
  space(height: number): void {
    this.y = Math.max(bottom, this.y - height);
  }

  /** Text wrapped to the width, flowing onto the next page if it must. */
  text(text: string, style: TextStyle = {}, indent = 0): void {
    for (const line of this.lines(text, style, this.width - indent)) this.place(line, indent);
  }

  /** A section heading, on one page with `keepWith` points of what follows it (a couple of lines unless told). */
  heading(text: string, keepWith = 40): void {
    this.space(10);
    const lines = this.lines(text, { size: 11.5, bold: true, colour: colours.accent }, this.width);
    this.ensure(lines.reduce((sum, line) => sum + line.height, 0) + keepWith);
    for (const line of lines) this.place(line);
    this.space(3);
  }

  /** A thin horizontal line across the text width. */
  rule(colour: RGB = colours.rule, thickness = 0.6): void {
    this.place(ruleOf(this.width, colour, thickness, 8));
  }

  /** One piece per wrapped line of `text`, set in `style`, aligned within `width`. */
  lines(text: string, style: TextStyle, width: number): Piece[] {
    const size = style.size ?? 10;
    const font = style.bold ? this.fonts.bold : this.fonts.regular;
    const colour = style.colour ?? colours.text;
    const height = size * (style.leading ?? lineSpacing);
    return wrap(sanitise(text), font, size, width).map((line) => ({
      height,
      draw: (page, x, y) => {
        const lineWidth = textWidth(font, line, size);
        const offset =
          style.align === 'right' ? width - lineWidth : style.align === 'center' ? (width - lineWidth) / 2 : 0;
        page.drawText(line, { x: x + Math.max(0, offset), y: y - size * 0.95, size, font, color: colour });
      },
    }));
  }

  /**
   * Label and value pairs, the labels in a column of `labelWidth`, the values wrapped beside them: a piece per line,
   * to place or to stack in a column.
   */
  pairs(pairs: Array<[label: string, value: string]>, options: PairOptions = {}): Piece[] {
    const width = options.width ?? this.width;
    const labelWidth = options.labelWidth ?? Math.min(130, width * 0.4);
    const size = options.size ?? 10;
    return pairs.flatMap(([label, value]) => {
      const labels = this.lines(label, { size, colour: colours.muted }, labelWidth - 6);
      const values = this.lines(
        value,
        { size, bold: options.boldValues, align: options.valueAlign },
        width - labelWidth,
      );
      // Line by line, so a long value (an outcome in words) can carry on over the page.
      return Array.from({ length: Math.max(labels.length, values.length) }, (_, i) =>
        stack([labels.slice(i, i + 1), values.slice(i, i + 1)], [0, labelWidth]),
      );
    });
  }

  /**
   * Blocks side by side (a business and a document's details, a customer and a site), each a list of pieces in a
   * column of its own width, `gap` apart. When together they are taller than a page they follow one another instead.
   */
  columns(blocks: Array<{ width: number; pieces: Piece[] }>, gap = 18): void {
    const heights = blocks.map((block) => block.pieces.reduce((sum, piece) => sum + piece.height, 0));
    const height = Math.max(0, ...heights);
    if (height > this.pageHeight) {
      for (const block of blocks) for (const piece of block.pieces) this.place(piece);
      return;
    }
    this.ensure(height);
    let x = this.left;
    for (const block of blocks) {
      let y = this.y;
      for (const piece of block.pieces) {
        piece.draw(this.page, x, y);
        y -= piece.height;
      }
      x += block.width + gap;
    }
    this.y -= height;
    this.fresh = false;
  }

  /**
   * A table across the text width: a bold header row over an accent rule, rows divided by thin rules, cells wrapped
   * to their columns. A row moves whole to the next page when it does not fit (the header repeated there); a row
   * taller than a page is split between pages.
   */
  table(columns: Column[], rows: Cell[][], options: { header?: boolean } = {}): void {
    const widths = columns.map((column) => column.width * this.width);
    const lineHeight = tableSize * tableLeading;
    const showHeader = options.header ?? true;
    const cellStyle = { size: tableSize, leading: tableLeading };
    const drawHeader = () => {
      const header = columns.map((column, i) =>
        this.lines(column.header, { ...cellStyle, bold: true, align: column.align }, cellWidth(widths[i])),
      );
      this.place(tableRow(header, widths, lineHeight, colours.accent, 0.9));
    };
    if (showHeader) {
      this.ensure(lineHeight * 3 + rowPadding * 4);
      drawHeader();
    }
    const newPage = () => {
      this.addPage();
      if (showHeader) drawHeader();
    };
    for (const row of rows) {
      let cells = columns.map((column, i) => {
        const cell = row[i] ?? '';
        const text = typeof cell === 'string' ? cell : cell.text;
        const bold = typeof cell === 'string' ? false : cell.bold;
        return this.lines(text, { ...cellStyle, bold, align: column.align }, cellWidth(widths[i]));
      });
      for (;;) {
        const lineCount = Math.max(1, ...cells.map((cell) => cell.length));
        const height = lineCount * lineHeight + 2 * rowPadding;
        // A row that fits a page moves whole to the next; a taller one starts here unless hardly a line is left.
        const fitsAPage = height <= this.pageHeight - 2 * lineHeight;
        if (height > this.remaining && (fitsAPage || this.remaining < 2 * lineHeight + 2 * rowPadding)) newPage();
        const fits = Math.max(1, Math.floor((this.remaining - 2 * rowPadding) / lineHeight));
        if (lineCount <= fits) {
          this.place(tableRow(cells, widths, lineHeight, colours.rule, 0.5));
          break;
        }
        const part = cells.map((cell) => cell.slice(0, fits));
        this.place(tableRow(part, widths, lineHeight, colours.rule, 0.5));
        cells = cells.map((cell) => cell.slice(fits));
        newPage();
      }
    }
  }

  /**
   * A picture scaled to fit `maxWidth` (the text width unless told) by `maxHeight`, aspect kept and turned upright by
   * its EXIF orientation when it has one, centred unless told, with its caption under it; picture and caption move to
   * the next page together when they do not fit.
   */
  picture(image: PDFImage, options: PictureOptions): void {
    const turned = options.orientation !== undefined && options.orientation >= 5 && options.orientation <= 8;
    const [imageWidth, imageHeight] = turned ? [image.height, image.width] : [image.width, image.height];
    const scale = Math.min(
      Math.min(options.maxWidth ?? this.width, this.width) / imageWidth,
      options.maxHeight / imageHeight,
    );
    const width = imageWidth * scale;
    const height = imageHeight * scale;
    const indent = options.align === 'left' ? 0 : (this.width - width) / 2;
    const picture: Piece = {
      height: height + 4,
      draw: (page, x, y) => drawUpright(page, image, x + indent, y - height, width, height, options.orientation),
    };
    const caption = options.caption
      ? this.lines(options.caption, { size: 9, colour: colours.muted, align: 'center' }, this.width)
      : [];
    this.keepTogether([picture, ...caption]);
  }

  /** Embeds a PNG or JPEG, or gives `undefined` for bytes that are neither (a bad upload must not sink the document). */
  async embed(bytes: Uint8Array | undefined, kind: 'png' | 'jpeg'): Promise<PDFImage | undefined> {
    if (!bytes || bytes.length === 0) return undefined;
    // A copy with a buffer of its own: pdf-lib 1.17 reads a JPEG through a DataView over `bytes.buffer` from offset 0,
    // so a view into a larger buffer (any small Node Buffer, which lives in a shared pool) is "not a JPEG".
    const own = new Uint8Array(bytes);
    try {
      return kind === 'png' ? await this.doc.embedPng(own) : await this.doc.embedJpg(own);
    } catch {
      return undefined;
    }
  }

  /** Draws every page's footer ("Page N of M" at the right) and returns the PDF's bytes. */
  async finish(): Promise<Uint8Array> {
    const count = this.pages.length;
    const size = 8;
    this.pages.forEach((page, i) => {
      const number = `Page ${i + 1} of ${count}`;
      const numberWidth = textWidth(this.fonts.regular, number, size);
      const y = margin - 4;
      page.drawLine({
        start: { x: this.left, y: y + 14 },
        end: { x: this.left + this.width, y: y + 14 },
        thickness: 0.5,
        color: colours.rule,
      });
      page.drawText(number, { x: this.left + this.width - numberWidth, y, size, font: this.fonts.regular });
      if (this.info.footer) {
        const [line] = wrap(
          sanitise(this.info.footer.replaceAll('\n', ' ')),
          this.fonts.regular,
          size,
          this.width - numberWidth - 24,
        );
        if (line) page.drawText(line, { x: this.left, y, size, font: this.fonts.regular, color: colours.muted });
      }
    });
    return this.doc.save();
  }
}

/** How {@link PageFlow.picture} sizes and places a picture. */
export interface PictureOptions {
  maxWidth?: number;
  maxHeight: number;
  caption?: string;
  /** The JPEG's EXIF orientation, from {@link jpegOrientation}. */
  orientation?: number;
  align?: 'left' | 'center';
}

/** How {@link PageFlow.pairs} sets its pairs. */
export interface PairOptions {
  width?: number;
  labelWidth?: number;
  size?: number;
  boldValues?: boolean;
  valueAlign?: 'left' | 'right';
}

/** Empty space of a given height, as a piece. */
export function gap(height: number): Piece {
  return { height, draw: () => {} };
}

/** A horizontal rule `width` long, with `space` above and below it. */
export function ruleOf(width: number, colour: RGB, thickness: number, space = 4): Piece {
  return {
    height: space * 2,
    draw: (page, x, y) =>
      page.drawLine({ start: { x, y: y - space }, end: { x: x + width, y: y - space }, thickness, color: colour }),
  };
}

/** Columns of pieces side by side at the given offsets, as one piece as tall as the tallest. */
export function stack(columns: Piece[][], offsets: number[]): Piece {
  const height = Math.max(0, ...columns.map((pieces) => pieces.reduce((sum, piece) => sum + piece.height, 0)));
  return {
    height,
    draw: (page, x, y) => {
      columns.forEach((pieces, i) => {
        let lineTop = y;
        for (const piece of pieces) {
          piece.draw(page, x + (offsets[i] ?? 0), lineTop);
          lineTop -= piece.height;
        }
      });
    },
  };
}

/** A piece drawn `by` points further right. */
export function shifted(piece: Piece, by: number): Piece {
  return { height: piece.height, draw: (page, x, y) => piece.draw(page, x + by, y) };
}

function cellWidth(width: number | undefined): number {
  return Math.max(8, (width ?? 0) - 2 * cellPadding);
}

/** One table row: its cells' lines side by side, padded, with a rule under it. */
function tableRow(cells: Piece[][], widths: number[], lineHeight: number, ruleColour: RGB, thickness: number): Piece {
  const offsets = widths.map((_, i) => widths.slice(0, i).reduce((sum, w) => sum + w, 0) + cellPadding);
  const lineCount = Math.max(1, ...cells.map((cell) => cell.length));
  const height = lineCount * lineHeight + 2 * rowPadding;
  const content = stack(cells, offsets);
  const width = widths.reduce((sum, w) => sum + w, 0);
  return {
    height,
    draw: (page, x, y) => {
      content.draw(page, x, y - rowPadding);
      page.drawLine({
        start: { x, y: y - height },
        end: { x: x + width, y: y - height },
        thickness,
        color: ruleColour,
      });
    },
  };
}

/** Draws an image into a box, turned as its EXIF orientation says (mirroring, which phones do not use, is ignored). */
function drawUpright(
  page: PDFPage,
  image: PDFImage,
  x: number,
  y: number,
  width: number,
  height: number,
  orientation: number | undefined,
): void {
  // pdf-lib turns an image anticlockwise about its bottom-left corner: the corner moves so the box stays put.
  switch (orientation) {
    case 3:
    case 4:
      page.drawImage(image, { x: x + width, y: y + height, width, height, rotate: degrees(180) });
      return;
    case 6:
    case 7:
      page.drawImage(image, { x, y: y + height, width: height, height: width, rotate: degrees(-90) });
      return;
    case 5:
    case 8:
      page.drawImage(image, { x: x + width, y, width: height, height: width, rotate: degrees(90) });
      return;
    default:
      page.drawImage(image, { x, y, width, height });
  }
}

/**
 * The EXIF orientation (1-8) a JPEG from a phone carries in its APP1 segment, or `undefined`: phones store pictures
 * as the sensor saw them and say how to turn them, and a PDF shows the stored pixels, so a portrait photo would
 * otherwise lie on its side.
 */
export function jpegOrientation(jpeg: Uint8Array): number | undefined {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (jpeg.length < 4 || view.getUint16(0) !== 0xffd8) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    const length = view.getUint16(at + 2);
    if (marker === 0xda || length < 2) return undefined;
    if (marker === 0xe1 && at + 4 + 14 <= jpeg.length && view.getUint32(at + 4) === 0x45786966) {
      return tiffOrientation(view, at + 10, Math.min(jpeg.length, at + 2 + length));
    }
    at += 2 + length;
  }
  return undefined;
}

/** The orientation tag (0x0112) of a TIFF header's first directory, from `start` (the byte order mark) to `end`. */
function tiffOrientation(view: DataView, start: number, end: number): number | undefined {
  const order = view.getUint16(start);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  const directory = start + view.getUint32(start + 4, little);
  if (directory + 2 > end) return undefined;
  const entries = view.getUint16(directory, little);
  for (let i = 0; i < entries; i++) {
    const entry = directory + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function charsTo(replacement: string, chars: string): Array<[string, string]> {
  return [...chars].map((char) => [char, replacement]);
}
