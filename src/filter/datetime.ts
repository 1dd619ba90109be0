// Datetime payload values and range bounds, parsed as Qdrant parses them (DateTimeWrapper's
// FromStr in lib/segment/src/types.rs): RFC 3339, chrono's default format, and the
// offset-less forms `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]]`, which mean UTC. Offsets may be written
// `Z`, `+HH`, `+HHMM` or `+HH:MM`.
//
// An instant is a number of microseconds since 1970-01-01T00:00:00Z (Qdrant's own timestamp unit).
// Exact for years 1685–2254 (|µs| < 2^53); beyond that the sub-millisecond digits round.

const WITH_OFFSET =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))? ?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const WITHOUT_OFFSET =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?$/;

const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function fractionMicros(digits: string | undefined): number {
  if (digits === undefined || digits === '') return 0;
  return Number((digits + '000000').slice(0, 6));
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
  offsetMinutes: number,
): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (:60) sorts after :59.999999 and before the next minute, as in chrono.
  if (second === 60) {
    second = 59;
    micros = 999_999;
  }
  const timeMicros = ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1_000_000 + micros;
  return daysFromCivil(year, month, day) * MICROS_PER_DAY + timeMicros;
}

/** Microseconds since the epoch, or null if `text` is not a datetime Qdrant accepts. */
export function parseDatetime(text: string): number | null {
  let m = WITH_OFFSET.exec(text);
  if (m !== null) {
    const tz = m[8]!;
    let offset = 0;
    if (tz !== 'Z' && tz !== 'z') {
      const sign = tz[0] === '-' ? -1 : 1;
      const digits = tz.slice(1).replace(':', '');
      const hours = Number(digits.slice(0, 2));
      const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (hours > 23 || minutes > 59) return null;
      offset = sign * (hours * 60 + minutes);
    }
    return build(
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
      fractionMicros(m[7]),
      offset,
    );
  }
  m = WITHOUT_OFFSET.exec(text);
  if (m === null) return null;
  return build(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    m[4] === undefined ? 0 : Number(m[4]),
    m[5] === undefined ? 0 : Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    fractionMicros(m[7]),
    0,
  );
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * RFC 3339 in UTC the way Qdrant serialises datetimes (`2014-01-01T00:00:00Z`, with `.fff` or
 * `.ffffff` only when the instant has sub-second digits).
 */
export function formatDatetime(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY;
  // civil_from_days
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000_000);
  rest -= hour * 3_600_000_000;
  const minute = Math.floor(rest / 60_000_000);
  rest -= minute * 60_000_000;
  const second = Math.floor(rest / 1_000_000);
  const frac = Math.round(rest - second * 1_000_000);
  let fraction = '';
  if (frac !== 0) fraction = frac % 1000 === 0 ? '.' + pad(frac / 1000, 3) : '.' + pad(frac, 6);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}Z`;
}
