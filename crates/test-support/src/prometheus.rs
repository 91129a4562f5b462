//! A strict reader of the Prometheus text exposition format, for the tests of
//! every service's `/metrics`: each line is `# HELP`, `# TYPE`, or a sample
//! `name{label="value",...} number` of a family its `# TYPE` line declared
//! (histograms as `_bucket` with `le`, `_sum` and `_count`).

use std::collections::{BTreeMap, HashMap};

/// One sample: a series and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Every sample of a scrape.
#[derive(Debug, Clone, Default)]
pub struct Samples(pub Vec<Sample>);

impl Samples {
    /// The samples named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.0.iter().filter(move |s| s.name == name)
    }

    /// The sum of the samples named `name` that carry every label of `labels`
    /// (0 when there is none: a counter not incremented yet is not exported).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.all(name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    /// Whether any sample is named `name`.
    pub fn has(&self, name: &str) -> bool {
        self.all(name).next().is_some()
    }
}

/// Parses a scrape; panics naming the first line Prometheus would refuse.
pub fn parse(text: &str) -> Samples {
    try_parse(text).unwrap_or_else(|err| panic!("not Prometheus text: {err}"))
}

/// Parses a scrape, or says which line is wrong and why.
pub fn try_parse(text: &str) -> Result<Samples, String> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            match words.next() {
                Some("HELP") => {
                    let name = words.next().ok_or(format!("HELP without a name: {line}"))?;
                    check_name(name, line)?;
                }
                Some("TYPE") => {
                    let (Some(name), Some(kind), None) = (words.next(), words.next(), words.next())
                    else {
                        return Err(format!("TYPE needs a name and a type: {line}"));
                    };
                    check_name(name, line)?;
                    if !matches!(
                        kind,
                        "counter" | "gauge" | "histogram" | "summary" | "untyped"
                    ) {
                        return Err(format!("unknown type {kind}: {line}"));
                    }
                    if types.insert(name.to_owned(), kind.to_owned()).is_some() {
                        return Err(format!("second TYPE for {name}: {line}"));
                    }
                }
                _ => return Err(format!("a comment that is neither HELP nor TYPE: {line}")),
            }
            continue;
        }
        let sample = parse_sample(line)?;
        check_family(&sample, &types, line)?;
        samples.push(sample);
    }
    Ok(Samples(samples))
}

fn check_name(name: &str, line: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if valid {
        Ok(())
    } else {
        Err(format!("bad metric name {name:?}: {line}"))
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| format!("no value: {line}"))?;
    let name = &line[..name_end];
    check_name(name, line)?;
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '}' if key.is_empty() => {
                    end = Some(i + 1);
                    break;
                }
                ',' if key.is_empty() => {}
                '=' => {
                    if chars.next().map(|(_, c)| c) != Some('"') {
                        return Err(format!("unquoted label value: {line}"));
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next().map(|(_, c)| c) {
                            Some('\\') => match chars.next().map(|(_, c)| c) {
                                Some('n') => value.push('\n'),
                                Some(c @ ('\\' | '"')) => value.push(c),
                                _ => return Err(format!("bad escape: {line}")),
                            },
                            Some('"') => break,
                            Some(c) => value.push(c),
                            None => return Err(format!("unterminated label value: {line}")),
                        }
                    }
                    if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || key.is_empty()
                    {
                        return Err(format!("bad label name {key:?}: {line}"));
                    }
                    if labels.insert(std::mem::take(&mut key), value).is_some() {
                        return Err(format!("repeated label: {line}"));
                    }
                }
                c if c.is_whitespace() && key.is_empty() => {}
                c => key.push(c),
            }
        }
        let end = end.ok_or_else(|| format!("unclosed labels: {line}"))?;
        rest = &inner[end..];
    }
    if !rest.starts_with(' ') {
        return Err(format!("no space before the value: {line}"));
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("bad value: {line}"))?;
    // An optional timestamp, in milliseconds; nothing after it.
    if let Some(timestamp) = fields.next()
        && timestamp.parse::<i64>().is_err()
    {
        return Err(format!("bad timestamp: {line}"));
    }
    if fields.next().is_some() {
        return Err(format!("text after the value: {line}"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// The sample belongs to a family its `# TYPE` declared before it.
fn check_family(
    sample: &Sample,
    types: &HashMap<String, String>,
    line: &str,
) -> Result<(), String> {
    if types.contains_key(&sample.name) {
        return Ok(());
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        let Some(family) = sample.name.strip_suffix(suffix) else {
            continue;
        };
        match types.get(family).map(String::as_str) {
            Some("histogram") if suffix != "_bucket" || sample.labels.contains_key("le") => {
                return Ok(());
            }
            Some("summary") if suffix != "_bucket" => return Ok(()),
            _ => {}
        }
    }
    Err(format!("a sample of no declared family: {line}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_read_with_their_labels_and_summed_by_label() {
        let text = "# HELP a_total Things.\n# TYPE a_total counter\n\
                    a_total{route=\"/x/{id}\",s=\"4\\\"04\"} 3\n\
                    a_total{route=\"/y\",s=\"200\"} 2\n\
                    # TYPE t_seconds histogram\n\
                    t_seconds_bucket{le=\"0.5\"} 1\nt_seconds_bucket{le=\"+Inf\"} 2\n\
                    t_seconds_sum 0.7\nt_seconds_count 2\n";
        let samples = parse(text);
        assert_eq!(samples.value("a_total", &[("s", "4\"04")]), 3.0);
        assert_eq!(samples.value("a_total", &[]), 5.0);
        assert_eq!(samples.value("a_total", &[("s", "500")]), 0.0);
        assert_eq!(samples.value("t_seconds_count", &[]), 2.0);
        assert!(samples.has("t_seconds_bucket") && !samples.has("t_seconds"));
    }

    #[test]
    fn the_parser_refuses_what_prometheus_would() {
        for bad in [
            "a b c",
            "# TYPE bad-name counter\nbad-name 1",
            "# TYPE a counter\na{x=1} 2",
            "# TYPE a counter\na{x=\"1\" 2",
            "# TYPE a counter\na 1 2 3",
            "# TYPE a counter\na one",
            "# NOPE",
            "# TYPE a counter\n# TYPE a gauge",
            "# TYPE a teapot",
            "undeclared 1",
            "# TYPE h histogram\nh_bucket 1",
        ] {
            assert!(try_parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
