import { getBusiness, putBusiness } from '#shared/db/business.ts';
import {
  type AssetRecord,
  type CustomerRecord,
  type DepotRecord,
  type EngineerRecord,
  getDepot,
  getSupplier,
  type JobTemplateRecord,
  type PartRecord,
  putReference,
  type SiteRecord,
  type SupplierRecord,
} from '#shared/db/reference.ts';
import { putHoldings, type StockHoldingRecord } from '#shared/db/stock.ts';

/**
 * The demo business seeded on first start: a plumbing, heating, electrical and fire safety contractor around
 * Manchester. Dates are relative to the day it is seeded so certificates stay valid (one stays expired, and one
 * runs out within the month).
 */
export function demoBusiness(today = new Date()) {
  const createdAt = today.toISOString();
  const inDays = (days: number) => new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  // Half an hour's lunch, taken between 12:00 and 14:00 where the day's work lets it fall.
  const lunch = { from: '12:00', to: '14:00', minutes: 30 };
  const weekdays = { days: [1, 2, 3, 4, 5], start: '07:00', end: '19:00', break: lunch };
  const everyDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '07:00', end: '19:00', break: lunch };

  const customers: CustomerRecord[] = [
    {
      customerId: 'cus_northwest_homes',
      name: 'Northwest Homes Lettings',
      contacts: [{ name: 'Jo Whitfield', email: 'maintenance@northwesthomes.co.uk', phone: '+44 161 555 0142' }],
      emailDomains: ['northwesthomes.co.uk'],
      contract: { slaHours: { P1: 4, P2: 12 }, callOutFeeMinor: 4_500 },
      accountRef: 'NWHOMES',
      createdAt,
    },
    {
      customerId: 'cus_pennine_fm',
      name: 'Pennine Facilities Management',
      contacts: [{ name: 'Raj Mistry', email: 'helpdesk@penninefm.co.uk', phone: '+44 161 555 0190' }],
      emailDomains: ['penninefm.co.uk'],
      contract: { labourRateMinor: 6_800 },
      accountRef: 'PENNINE',
      createdAt,
    },
    {
      customerId: 'cus_okafor',
      name: 'Sarah Okafor',
      contacts: [{ name: 'Sarah Okafor', email: 'sarah.okafor@example.com', phone: '+44 7700 900123' }],
      createdAt,
    },
  ];
  const sites: SiteRecord[] = [
    {
      siteId: 'site_ancoats',
      customerId: 'cus_northwest_homes',
      name: 'Blossom Street flats',
      address: '14 Blossom Street, Ancoats, Manchester',
      postcode: 'M4 6AJ',
      lat: 53.4839,
      lng: -2.2246,
      accessInstructions:
        'Key safe by the rear door; code is given when the job is dispatched. Boiler in flat 3 kitchen.',
      hazards: ['Steep stairs to flat 3', 'Tenant has a dog'],
      createdAt,
    },
    {
      siteId: 'site_salford',
      customerId: 'cus_northwest_homes',
      name: 'Chapel Street house',
      address: '3 Chapel Street, Salford',
      postcode: 'M3 5JZ',
      lat: 53.485,
      lng: -2.256,
      accessInstructions: 'Tenant at home on weekdays; call 30 minutes ahead.',
      hazards: [],
      createdAt,
    },
    {
      siteId: 'site_stockport',
      customerId: 'cus_pennine_fm',
      name: 'Pennine House offices',
      address: 'Pennine House, 1 Wellington Road South, Stockport',
      postcode: 'SK1 1EB',
      lat: 53.4083,
      lng: -2.1494,
      accessInstructions: 'Sign in at reception; plant room keys from facilities.',
      hazards: ['Working at height: plant room on the roof', 'Asbestos register held at reception'],
      createdAt,
    },
    {
      siteId: 'site_didsbury',
      customerId: 'cus_okafor',
      address: '22 Lapwing Lane, Didsbury, Manchester',
      postcode: 'M20 2WS',
      lat: 53.422,
      lng: -2.232,
      accessInstructions: 'Side gate; consumer unit under the stairs.',
      hazards: [],
      createdAt,
    },
  ];
  const assets: AssetRecord[] = [
    {
      assetId: 'asset_boiler_ancoats',
      siteId: 'site_ancoats',
      customerId: 'cus_northwest_homes',
      type: 'gas_boiler',
      make: 'Worcester Bosch',
      model: 'Greenstar 30i combi',
      installedAt: '2017-03-14',
      servicePlan: { intervalMonths: 12, jobType: 'boiler_service' },
      nextServiceDue: inDays(45),
      createdAt,
    },
    {
      assetId: 'asset_fire_panel_stockport',
      siteId: 'site_stockport',
      customerId: 'cus_pennine_fm',
      type: 'fire_alarm_panel',
      make: 'Advanced',
      model: 'MxPro 5',
      servicePlan: { intervalMonths: 6, jobType: 'fire_alarm_service' },
      nextServiceDue: inDays(20),
      createdAt,
    },
    {
      assetId: 'asset_consumer_unit_didsbury',
      siteId: 'site_didsbury',
      customerId: 'cus_okafor',
      type: 'consumer_unit',
      make: 'Hager',
      model: 'VML110',
      createdAt,
    },
  ];
  const engineer = (e: Omit<EngineerRecord, 'active' | 'createdAt'>): EngineerRecord => ({
    ...e,
    active: true,
    createdAt,
  });
  const engineers: EngineerRecord[] = [
    engineer({
      engineerId: 'eng_amira',
      name: 'Amira Khan',
      phone: '+44 7700 900311',
      skills: ['gas', 'heating', 'plumbing'],
      certifications: [{ code: 'gas_safe', number: '601234', expiresAt: inDays(300) }],
      homeBase: { lat: 53.4794, lng: -2.2453 },
      shift: everyDay,
      hourlyRateMinor: 7_200,
    }),
    engineer({
      // Lives nearest the Ancoats boiler, but her Gas Safe registration has lapsed: she must never get gas work.
      engineerId: 'eng_tom',
      name: 'Tom Bradley',
      phone: '+44 7700 900312',
      skills: ['gas', 'heating', 'plumbing'],
      certifications: [{ code: 'gas_safe', number: '587710', expiresAt: inDays(-30) }],
      homeBase: { lat: 53.4842, lng: -2.225 },
      shift: everyDay,
      hourlyRateMinor: 7_000,
    }),
    engineer({
      engineerId: 'eng_priya',
      name: 'Priya Patel',
      phone: '+44 7700 900313',
      skills: ['gas', 'heating', 'plumbing'],
      certifications: [{ code: 'gas_safe', number: '612998', expiresAt: inDays(500) }],
      homeBase: { lat: 53.4106, lng: -2.1575 },
      shift: everyDay,
      hourlyRateMinor: 7_400,
    }),
    engineer({
      engineerId: 'eng_dan',
      name: 'Dan Murphy',
      phone: '+44 7700 900314',
      skills: ['electrical', 'general'],
      certifications: [{ code: 'niceic', number: 'NIC-44821', expiresAt: inDays(200) }],
      homeBase: { lat: 53.4875, lng: -2.2901 },
      shift: weekdays,
      hourlyRateMinor: 6_800,
    }),
    engineer({
      engineerId: 'eng_lucy',
      name: 'Lucy Evans',
      phone: '+44 7700 900315',
      skills: ['plumbing', 'drainage', 'general'],
      // Her confined spaces card runs out within the month: her job pack marks it expiring.
      certifications: [{ code: 'confined_spaces', number: 'CS-31877', expiresAt: inDays(21) }],
      homeBase: { lat: 53.4163, lng: -2.2311 },
      shift: everyDay,
      hourlyRateMinor: 6_200,
    }),
    engineer({
      engineerId: 'eng_omar',
      name: 'Omar Haddad',
      phone: '+44 7700 900316',
      skills: ['fire_security', 'electrical'],
      certifications: [{ code: 'bafe_sp203', number: 'BAFE-2231', expiresAt: inDays(400) }],
      homeBase: { lat: 53.5409, lng: -2.1114 },
      shift: weekdays,
      hourlyRateMinor: 7_000,
    }),
  ];
  const parts: PartRecord[] = [
    {
      sku: 'BOILER-COMBI-30',
      name: 'Worcester Bosch Greenstar 30i combi boiler',
      unitPriceMinor: 145_000,
      stock: 3,
      reorderPoint: 2,
      location: 'Trafford depot',
      supplierId: 'sup_northern_heating',
    },
    {
      sku: 'FLUE-KIT-STD',
      name: 'Standard horizontal flue kit',
      unitPriceMinor: 8_900,
      stock: 10,
      reorderPoint: 4,
      location: 'Trafford depot',
      supplierId: 'sup_northern_heating',
    },
    {
      sku: 'INHIBITOR-1L',
      name: 'Central heating inhibitor, 1 litre',
      unitPriceMinor: 1_600,
      stock: 25,
      reorderPoint: 10,
      location: 'Van stock',
      supplierId: 'sup_northern_heating',
    },
    {
      sku: 'COMP-FITTING-15',
      name: '15 mm compression fitting',
      unitPriceMinor: 250,
      stock: 200,
      reorderPoint: 50,
      location: 'Van stock',
      supplierId: 'sup_northern_heating',
    },
    {
      sku: 'PRV-VALVE',
      name: 'Boiler pressure relief valve',
      unitPriceMinor: 1_850,
      // One away from its reorder point: the next jobs that use it raise a reorder.
      stock: 6,
      reorderPoint: 5,
      location: 'Trafford depot',
      supplierId: 'sup_northern_heating',
    },
    {
      sku: 'MCB-32A',
      name: '32 A type B miniature circuit breaker',
      unitPriceMinor: 1_200,
      stock: 30,
      reorderPoint: 10,
      location: 'Van stock',
      supplierId: 'sup_voltline',
    },
    {
      sku: 'SMOKE-DET-OPT',
      name: 'Optical smoke detector head',
      unitPriceMinor: 3_400,
      stock: 20,
      reorderPoint: 8,
      location: 'Trafford depot',
      supplierId: 'sup_voltline',
    },
  ];
  const gasSafety =
    'Gas Safe registered engineer only. Check for a gas smell before starting; isolate at the meter if in doubt.';
  const jobTemplates: JobTemplateRecord[] = [
    {
      jobType: 'boiler_service',
      name: 'Annual boiler service',
      requiredSkills: ['gas', 'heating'],
      requiredCertifications: ['gas_safe'],
      defaultParts: [],
      estimatedMinutes: 60,
      requiresApproval: false,
      fixedPriceMinor: 8_500,
      safetyNotes: gasSafety,
      // The gas safety record an engineer completes at a service (Gas Safety (Installation and Use) Regulations).
      checklist: [
        {
          id: 'operating_pressure',
          label: 'Burner operating pressure',
          kind: 'number',
          required: true,
          min: 1,
          max: 30,
          unit: 'mbar',
        },
        {
          id: 'flue_gas_ratio',
          label: 'Flue gas analyser CO/CO2 ratio',
          kind: 'number',
          required: true,
          min: 0,
          max: 0.008,
        },
        {
          id: 'flue_gas_co_ppm',
          label: 'Flue gas CO reading',
          kind: 'number',
          required: true,
          min: 0,
          max: 350,
          unit: 'ppm',
        },
        { id: 'safety_devices', label: 'Safety devices operate correctly', kind: 'boolean', required: true },
        { id: 'ventilation', label: 'Ventilation adequate', kind: 'boolean', required: true },
        {
          id: 'flue_visual',
          label: 'Flue visual condition and termination satisfactory',
          kind: 'boolean',
          required: true,
        },
        { id: 'appliance_safe', label: 'Appliance safe to use', kind: 'boolean', required: true },
        { id: 'data_plate_photo', label: 'Photo of the data plate', kind: 'photo', required: false },
        { id: 'remarks', label: 'Remarks and advice given', kind: 'text', required: false },
      ],
      requiresSignature: true,
    },
    {
      jobType: 'boiler_repair',
      name: 'Boiler repair',
      requiredSkills: ['gas', 'heating'],
      requiredCertifications: ['gas_safe'],
      defaultParts: [],
      estimatedMinutes: 90,
      requiresApproval: false,
      approvalThresholdMinor: 50_000,
      safetyNotes: gasSafety,
    },
    {
      jobType: 'boiler_replacement',
      name: 'Boiler replacement',
      requiredSkills: ['gas', 'heating'],
      requiredCertifications: ['gas_safe'],
      defaultParts: [
        { sku: 'BOILER-COMBI-30', qty: 1 },
        { sku: 'FLUE-KIT-STD', qty: 1 },
      ],
      estimatedMinutes: 480,
      requiresApproval: true,
      safetyNotes: gasSafety,
    },
    {
      jobType: 'gas_emergency',
      name: 'Gas escape',
      requiredSkills: ['gas'],
      requiredCertifications: ['gas_safe'],
      defaultParts: [],
      estimatedMinutes: 60,
      requiresApproval: false,
      safetyNotes: gasSafety,
    },
    {
      jobType: 'leak_repair',
      name: 'Water leak repair',
      requiredSkills: ['plumbing'],
      requiredCertifications: [],
      defaultParts: [{ sku: 'COMP-FITTING-15', qty: 2 }],
      estimatedMinutes: 60,
      requiresApproval: false,
      approvalThresholdMinor: 40_000,
    },
    {
      jobType: 'drain_clearance',
      name: 'Blocked drain',
      requiredSkills: ['drainage'],
      requiredCertifications: [],
      defaultParts: [],
      estimatedMinutes: 60,
      requiresApproval: false,
    },
    {
      jobType: 'electrical_fault',
      name: 'Electrical fault finding',
      requiredSkills: ['electrical'],
      requiredCertifications: ['niceic'],
      defaultParts: [],
      estimatedMinutes: 90,
      requiresApproval: false,
      approvalThresholdMinor: 60_000,
      safetyNotes: 'Safe isolation procedure before any work: prove dead, lock off.',
    },
    {
      jobType: 'fire_alarm_repair',
      name: 'Fire alarm repair',
      requiredSkills: ['fire_security'],
      requiredCertifications: ['bafe_sp203'],
      defaultParts: [],
      estimatedMinutes: 120,
      requiresApproval: false,
      safetyNotes: 'Tell the responsible person and the monitoring centre before disabling any zone.',
    },
    {
      jobType: 'fire_alarm_service',
      name: 'Fire alarm service (BS 5839)',
      requiredSkills: ['fire_security'],
      requiredCertifications: ['bafe_sp203'],
      defaultParts: [],
      estimatedMinutes: 90,
      requiresApproval: false,
      fixedPriceMinor: 14_500,
    },
    {
      jobType: 'general_maintenance',
      name: 'General maintenance',
      requiredSkills: ['general'],
      requiredCertifications: [],
      defaultParts: [],
      estimatedMinutes: 60,
      requiresApproval: false,
      approvalThresholdMinor: 30_000,
    },
  ];
  // Where the parts are: three depots round the team's area and some engineers' vans (a van's holder is its
  // engineer). Each part's holdings add up to its stock; one depot and one van have run out of what they held.
  const depots: DepotRecord[] = [
    {
      depotId: 'depot_trafford',
      name: 'Trafford Park depot',
      address: 'Unit 4, Westinghouse Road, Trafford Park, Manchester M17 1PY',
      location: { lat: 53.4668, lng: -2.3259 },
      phone: '+44 161 555 0170',
      createdAt,
    },
    {
      depotId: 'depot_stockport',
      name: 'Stockport trade counter',
      address: 'Unit 9, Bredbury Park Way, Bredbury, Stockport SK6 2SN',
      location: { lat: 53.4224, lng: -2.1156 },
      phone: '+44 161 555 0175',
      createdAt,
    },
    {
      depotId: 'depot_oldham',
      name: 'Oldham depot',
      address: 'Unit 2, Hollinwood Business Centre, Albert Street, Oldham OL8 3QL',
      location: { lat: 53.5213, lng: -2.1476 },
      phone: '+44 161 555 0178',
      createdAt,
    },
  ];
  // Who the parts are bought from: a reorder or an engineer's parts request e-mails the supplier a purchase order.
  const suppliers: SupplierRecord[] = [
    {
      supplierId: 'sup_northern_heating',
      name: 'Northern Heating Supplies',
      email: 'orders@northern-heating.example.com',
      phone: '+44 161 555 0190',
      accountRef: 'IRW-2231',
      createdAt,
    },
    {
      supplierId: 'sup_voltline',
      name: 'Voltline Electrical Wholesale',
      email: 'trade@voltline.example.com',
      phone: '+44 161 555 0195',
      accountRef: 'C-004417',
      createdAt,
    },
  ];
  const held = (sku: string, counts: Array<[StockHoldingRecord['holderKind'], string, number]>) =>
    counts.map(
      ([holderKind, holderId, qty]): StockHoldingRecord => ({ sku, holderKind, holderId, qty, updatedAt: createdAt }),
    );
  const holdings: StockHoldingRecord[] = [
    ...held('BOILER-COMBI-30', [
      ['depot', 'depot_trafford', 2],
      ['depot', 'depot_stockport', 1],
      ['depot', 'depot_oldham', 0],
    ]),
    ...held('FLUE-KIT-STD', [
      ['depot', 'depot_trafford', 6],
      ['depot', 'depot_stockport', 4],
    ]),
    ...held('INHIBITOR-1L', [
      ['depot', 'depot_trafford', 12],
      ['depot', 'depot_stockport', 6],
      ['van', 'eng_amira', 3],
      ['van', 'eng_priya', 2],
      ['van', 'eng_lucy', 2],
      ['van', 'eng_tom', 0],
    ]),
    ...held('COMP-FITTING-15', [
      ['depot', 'depot_stockport', 80],
      ['depot', 'depot_trafford', 60],
      ['van', 'eng_amira', 20],
      ['van', 'eng_lucy', 20],
      ['van', 'eng_priya', 20],
    ]),
    ...held('PRV-VALVE', [
      ['depot', 'depot_trafford', 3],
      ['depot', 'depot_stockport', 2],
      ['van', 'eng_priya', 1],
    ]),
    ...held('MCB-32A', [
      ['depot', 'depot_oldham', 12],
      ['depot', 'depot_trafford', 10],
      ['van', 'eng_dan', 5],
      ['van', 'eng_omar', 3],
    ]),
    ...held('SMOKE-DET-OPT', [
      ['depot', 'depot_oldham', 14],
      ['van', 'eng_omar', 6],
    ]),
  ];
  return { customers, sites, assets, engineers, parts, jobTemplates, depots, suppliers, holdings };
}

/** The ids of the demo data, grouped, as `GET /local/seed` answers them. */
export function demoIds() {
  const data = demoBusiness();
  return {
    customers: data.customers.map((c) => c.customerId),
    sites: data.sites.map((s) => s.siteId),
    assets: data.assets.map((a) => a.assetId),
    engineers: data.engineers.map((e) => e.engineerId),
    jobTemplates: data.jobTemplates.map((t) => t.jobType),
    parts: data.parts.map((p) => p.sku),
    depots: data.depots.map((d) => d.depotId),
    suppliers: data.suppliers.map((s) => s.supplierId),
  };
}

export async function seedDemoBusiness(today = new Date()): Promise<void> {
  const { holdings, ...reference } = demoBusiness(today);
  await putReference(reference);
  await putHoldings(holdings);
  await seedBusinessDetails();
}

/**
 * The demo business's own details (its name, address and numbers on every document and message): once, so an office
 * that changed them keeps its own.
 */
export async function seedBusinessDetails(): Promise<void> {
  if ((await getBusiness()).version > 0) return;
  await putBusiness(
    {
      name: 'Irwell Heating & Electrical Ltd',
      address: ['Unit 4, Irwell Business Park', 'Salford', 'M5 4WT'],
      phone: '0161 555 0100',
      email: 'hello@irwell-heating.example',
      website: 'https://irwell-heating.example',
      vatNumber: 'GB 123 4567 89',
      companyNumber: '09876543',
      gasSafeRegistration: '567890',
      paymentTermsDays: 30,
      bankDetails: 'Sort code 12-34-56, account 12345678, Irwell Heating & Electrical Ltd',
      officeEmail: 'office@irwell-heating.example',
      updatedAt: new Date().toISOString(),
    },
    0,
  );
}

/**
 * What the demo gained since a `.data/` kept from before was seeded: the business's details, the suppliers, and the depots and stock
 * holdings (once, when the demo's first depot is not there).
 */
export async function seedWhatIsMissing(today = new Date()): Promise<void> {
  await seedBusinessDetails();
  const data = demoBusiness(today);
  // The suppliers, when the first is not there; the parts of such data keep no supplier until an admin names one.
  if (!(await getSupplier(data.suppliers[0]?.supplierId as string))) await putReference({ suppliers: data.suppliers });
  if (await getDepot(data.depots[0]?.depotId as string)) return;
  await putReference({ depots: data.depots });
  await putHoldings(data.holdings);
}
