// Amounts as the finance API writes them: decimal strings with exactly the
// currency's digits ("12.50", "1250" for JPY). Sums are exact (BigInt minor
// units); nothing goes through a float.

/** How many decimals `amount` (as the API writes it) has. */
export function digitsOf(amount) {
  const dot = amount.indexOf(".");
  return dot < 0 ? 0 : amount.length - dot - 1;
}

function toMinor(amount, digits) {
  const negative = amount.startsWith("-");
  const [whole, fraction = ""] = amount.replace("-", "").split(".");
  const minor = BigInt(whole + fraction.padEnd(digits, "0"));
  return negative ? -minor : minor;
}

function fromMinor(minor, digits) {
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  const written = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return (negative ? "-" : "") + written;
}

/** The exact sum of amounts of one currency. */
export function sum(amounts) {
  const digits = Math.max(0, ...amounts.map(digitsOf));
  return fromMinor(
    amounts.reduce((total, a) => total + toMinor(a, digits), 0n),
    digits,
  );
}

/**
 * An amount as typed (`12,50`, `12.5`, `12`) as the contract's decimal string
 * (`"12.50"`), or null when it is not a positive amount with at most `digits`
 * decimals.
 */
export function parseAmount(typed, digits) {
  const text = String(typed ?? "").trim();
  const match = /^([0-9]+)(?:[.,]([0-9]+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const amount = digits ? `${match[1]}.${fraction.padEnd(digits, "0")}` : match[1];
  return toMinor(amount, digits) > 0n ? amount : null;
}

/** `amount` in `currency` for people: "€1,234.50", with the currency's digits. */
export function formatMoney(amount, currency) {
  const digits = digitsOf(amount);
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}
