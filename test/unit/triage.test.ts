import { describe, expect, it } from 'vitest';
import { findCategory } from '#shared/work-order/categories.ts';
import { slaDueAt, standardSlaHours, triage } from '#shared/work-order/triage.ts';

const winter = new Date('2025-01-06T09:00:00.000Z');
const summer = new Date('2025-07-07T09:00:00.000Z');

/** A routine category, so any raise in priority can only come from the description. */
const routine = (description: string, loggedAt = winter) =>
  triage({ categoryId: 'general_maintenance', description, loggedAt });

describe('categories', () => {
  it('maps a routine boiler service to the boiler_service job type at P4', () => {
    // Act
    const category = findCategory('boiler_service');

    // Assert
    expect(category).toMatchObject({ jobType: 'boiler_service', basePriority: 'P4' });
  });

  it('finds no category for an id customers were never offered', () => {
    expect(findCategory('roof_repair')).toBeUndefined();
  });
});

describe('triage', () => {
  it('starts from the category base priority when the description raises nothing', () => {
    // Act
    const result = triage({ categoryId: 'blocked_drain', description: 'Kitchen sink drains slowly', loggedAt: winter });

    // Assert
    expect(result.priority).toBe('P3');
    expect(result.reasons).toEqual(['category blocked_drain (Blocked drain): base priority P3']);
  });

  it('triages an unknown category as general maintenance and says so', () => {
    // Act
    const result = triage({ categoryId: 'roof_repair', description: 'Loose tile', loggedAt: winter });

    // Assert
    expect(result.priority).toBe('P4');
    expect(result.reasons[0]).toContain('unknown category "roof_repair"');
  });

  it.each([
    'I can smell gas in the hallway',
    'Strong SMELL OF GAS near the meter',
    'There is a gas smell upstairs',
    'Think the gas is leaking from the cooker',
    'not sure if it is a gas leak',
  ])('raises "%s" to P1 as a gas emergency', (description) => {
    // Act
    const result = routine(description);

    // Assert
    expect(result.priority).toBe('P1');
    expect(result.reasons).toContain('description mentions a gas smell or leak: emergency (P1)');
  });

  it.each(['Carbon monoxide detector beeping', 'The CO alarm went off twice last night'])(
    'raises "%s" to P1 as a carbon monoxide emergency',
    (description) => {
      expect(routine(description).priority).toBe('P1');
    },
  );

  it.each([
    'Kitchen is flooding',
    'Burst pipe in the loft',
    'Water pouring through the light fitting',
    'Bathroom ceiling has collapsed',
  ])('raises "%s" to P1 as a water emergency', (description) => {
    // Act
    const result = routine(description);

    // Assert
    expect(result.priority).toBe('P1');
    expect(result.reasons).toContain(
      'description mentions flooding, a burst pipe or a ceiling collapse: emergency (P1)',
    );
  });

  it.each([
    'Socket sparking when plugged in',
    'Burning smell from the consumer unit',
    'Exposed wires hanging from the ceiling rose',
    'Tenant got an electric shock from the shower switch',
  ])('raises "%s" to P1 as an electrical emergency', (description) => {
    expect(routine(description).priority).toBe('P1');
  });

  it('matches whole words only, so "sparkling" and "flooring" raise nothing', () => {
    // Act
    const result = routine('Sparkling new flooring needs a door trimmed');

    // Assert
    expect(result.priority).toBe('P4');
  });

  it.each([
    'No gas smell, boiler just making a noise',
    'There is no smell of gas',
    'Engineer confirmed there is no sign of a gas leak',
  ])('does not treat the negated "%s" as a gas emergency', (description) => {
    // Act
    const result = triage({ categoryId: 'boiler_breakdown', description, loggedAt: winter });

    // Assert
    expect(result.priority).toBe('P3');
    expect(result.reasons.join(' ')).not.toContain('gas smell');
  });

  it('does not let a negation in one clause cancel a rule in the next', () => {
    // Act
    const result = routine('No gas smell, but water is pouring from the tank');

    // Assert
    expect(result.priority).toBe('P1');
  });

  it('does not read "no heating" after another "no" as a negated phrase', () => {
    // Act
    const result = routine('no gas smell no heating');

    // Assert
    expect(result.priority).toBe('P2');
  });

  it.each([
    ['January', '2025-01-15T10:00:00.000Z', 'P2'],
    ['the first of October', '2025-10-01T00:00:00.000Z', 'P2'],
    ['the last day of April', '2025-04-30T23:59:00.000Z', 'P2'],
    ['the first of May', '2025-05-01T00:00:00.000Z', 'P3'],
    ['July', '2025-07-07T09:00:00.000Z', 'P3'],
    ['the last evening of September in UTC', '2025-09-30T23:30:00.000Z', 'P3'],
  ])('sets no heating logged in %s to %s', (_when, loggedAt, expected) => {
    // Act
    const result = routine('No heating since this morning', new Date(loggedAt));

    // Assert
    expect(result.priority).toBe(expected);
  });

  it.each(['No hot water', 'Central heating not working', "Hot water isn't working"])(
    'treats "%s" as loss of heating or hot water',
    (description) => {
      expect(routine(description, winter).priority).toBe('P2');
    },
  );

  it.each(['Tap leaking under the sink', 'Radiator valve dripping', 'Tap won’t stop dripping'])(
    'raises "%s" to at least P3',
    (description) => {
      // Act
      const result = routine(description);

      // Assert
      expect(result.priority).toBe('P3');
      expect(result.reasons).toContain('description mentions a leak or drip: at least P3');
    },
  );

  it('never lowers a category that is already more urgent than a leak', () => {
    // Act
    const result = triage({ categoryId: 'leak', description: 'Pipe dripping under the bath', loggedAt: summer });

    // Assert
    expect(result.priority).toBe('P2');
  });

  it('ignores "no leaks"', () => {
    expect(routine('Checked the loft, no leaks').priority).toBe('P4');
  });

  it.each([
    'Fire alarm sounding in block B',
    'Fire alarm keeps going off at night',
    'The fire alarm panel is not working',
  ])('raises "%s" to P2', (description) => {
    // Act
    const result = routine(description);

    // Assert
    expect(result.priority).toBe('P2');
    expect(result.reasons).toContain('description mentions a fire alarm sounding or not working: urgent (P2)');
  });

  it('raises one tier for a vulnerable occupant mentioned in the description', () => {
    // Act
    const result = triage({
      categoryId: 'blocked_drain',
      description: 'Elderly tenant, toilet blocked',
      loggedAt: winter,
    });

    // Assert
    expect(result.priority).toBe('P2');
    expect(result.reasons).toContain('vulnerable occupant (description mentions "elderly"): raised one tier to P2');
  });

  it('raises one tier, not two, when the occupant is both flagged and described as vulnerable', () => {
    // Act
    const result = triage({
      categoryId: 'general_maintenance',
      description: 'Newborn in the house, door lock stiff',
      loggedAt: winter,
      vulnerableOccupant: true,
    });

    // Assert
    expect(result.priority).toBe('P3');
  });

  it('never raises a vulnerable occupant above P1', () => {
    // Act
    const result = triage({
      categoryId: 'gas_leak',
      description: 'Smell of gas',
      loggedAt: winter,
      vulnerableOccupant: true,
    });

    // Assert
    expect(result.priority).toBe('P1');
    expect(result.reasons).toContain('vulnerable occupant (flagged on the request): already P1');
  });

  it('applies the vulnerable raise after the most urgent rule', () => {
    // Act
    const result = routine('Disabled occupant, fire alarm beeping');

    // Assert
    expect(result.priority).toBe('P1');
  });

  it('lets the most urgent rule win and lists every rule that fired', () => {
    // Act
    const result = routine('Tap dripping and there is a smell of gas in the kitchen');

    // Assert
    expect(result.priority).toBe('P1');
    expect(result.reasons).toEqual([
      'category general_maintenance (General maintenance): base priority P4',
      'description mentions a gas smell or leak: emergency (P1)',
      'description mentions a leak or drip: at least P3',
    ]);
  });

  it('sets the SLA from the standard hours for the priority', () => {
    // Act
    const result = triage({ categoryId: 'gas_leak', description: '', loggedAt: winter });

    // Assert
    expect(result.slaDueAt).toBe('2025-01-06T13:00:00.000Z');
  });

  it('lets a contract override the SLA for the tiers it sets and keeps the standard for the rest', () => {
    // Arrange
    const contract = { slaHours: { P1: 2 } };

    // Act
    const p1 = triage({ categoryId: 'gas_leak', description: '', loggedAt: winter, contract });
    const p4 = triage({ categoryId: 'boiler_service', description: '', loggedAt: winter, contract });

    // Assert
    expect(p1.slaDueAt).toBe('2025-01-06T11:00:00.000Z');
    expect(p4.slaDueAt).toBe('2025-01-20T09:00:00.000Z');
  });

  it('recomputes the SLA when the office sets a priority', () => {
    // Act
    const due = slaDueAt({ priority: 'P3', loggedAt: winter });

    // Assert
    expect(standardSlaHours).toEqual({ P1: 4, P2: 24, P3: 72, P4: 336 });
    expect(due).toBe('2025-01-09T09:00:00.000Z');
  });
});
