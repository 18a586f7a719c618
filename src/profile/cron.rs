//! Cron schedules, checked the way Longhorn's parser (robfig/cron) reads them.

/// Checks a cron schedule exactly as Longhorn reads a RecurringJob's `cron`: robfig/cron's
/// standard parser (`cron.ParseStandard`), which Longhorn's admission webhook calls, and which
/// the Kubernetes CronJob it creates is validated with again.
///
/// Accepted, as robfig accepts them: five fields (minute 0-59, hour 0-23, day of month 1-31,
/// month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT, names in any case); in each field a
/// comma-separated list of `*`, `?` (same as `*`), a number, a range `a-b` with `a <= b`,
/// each optionally followed by a step `/n` with `n >= 1` (`a/n` means `a-max/n`); and the
/// descriptors `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and
/// `@hourly`.
///
/// Refused although robfig takes them (a safe subset): `@every <duration>` (an interval from
/// whenever the controller started, not a time of day), a `TZ=`/`CRON_TZ=` prefix (the
/// Kubernetes API server refuses it in a CronJob schedule), signs (`+5`), empty list items
/// (`1,,2`, which robfig skips) and `*-5` (robfig ignores what follows the star). Everything
/// robfig refuses is refused: day of week 7, `1-2-3`, `1/2/3`, `*/0`, `5-1`, out-of-range
/// numbers and unknown names.
pub fn check_cron(expr: &str) -> Result<(), String> {
    const DESCRIPTORS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    // (name, min, max, names, first name's value)
    let fields: [(&str, u32, u32, &[&str], u32); 5] = [
        ("minute", 0, 59, &[], 0),
        ("hour", 0, 23, &[], 0),
        ("day of month", 1, 31, &[], 0),
        ("month", 1, 12, &MONTHS, 1),
        ("day of week", 0, 6, &DAYS, 0),
    ];
    if expr.starts_with('@') {
        if DESCRIPTORS.contains(&expr) {
            return Ok(());
        }
        return Err(format!(
            "{expr:?} is not a schedule Longhorn takes: the descriptors are {} (\"@every\" is not \
             accepted: it counts from whenever Longhorn's controller started)",
            DESCRIPTORS.join(", ")
        ));
    }
    if expr.starts_with("TZ=") || expr.starts_with("CRON_TZ=") {
        return Err(format!(
            "{expr:?} has a time zone prefix, which the Kubernetes API server refuses in the CronJob Longhorn creates; write the schedule in the cluster's time zone (usually UTC)"
        ));
    }
    let parts: Vec<&str> = expr.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "{expr:?} is not a cron expression: it needs five fields (minute hour day month weekday), like \"0 2 * * *\""
        ));
    }
    for (part, (name, lo, hi, names, first)) in parts.iter().zip(fields) {
        let value = |s: &str| -> Option<u32> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
                return Some(first + i as u32);
            }
            // Digits only: Go's Atoi would also take a sign; nobody writes one on purpose.
            if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let allowed = if names.is_empty() {
            format!("numbers from {lo} to {hi}")
        } else {
            format!(
                "numbers from {lo} to {hi} or the names {}-{}",
                names[0].to_ascii_uppercase(),
                names[names.len() - 1].to_ascii_uppercase()
            )
        };
        let bad = |why: String| {
            Err(format!(
                "{expr:?}: the {name} field {part:?} {why}; it takes {allowed}, '*', ranges a-b, lists a,b and steps /n"
            ))
        };
        for item in part.split(',') {
            if item.is_empty() {
                return bad("has an empty list item".into());
            }
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(s) = step {
                match value_of_step(s) {
                    Some(n) if n >= 1 => {}
                    _ => {
                        return bad(format!(
                            "has the step {s:?}, which is not a number from 1 up"
                        ));
                    }
                }
            }
            if range == "*" || range == "?" {
                continue;
            }
            let (a, b) = match range.split_once('-') {
                Some((a, b)) => (a, Some(b)),
                None => (range, None),
            };
            if b.is_some_and(|b| b.contains('-')) {
                return bad(format!("has {range:?}, a range with more than two ends"));
            }
            let Some(start) = value(a) else {
                return bad(format!("has {a:?}"));
            };
            let end = match b {
                Some(b) => match value(b) {
                    Some(e) => e,
                    None => return bad(format!("has {b:?}")),
                },
                None => start,
            };
            if start < lo || start > hi || end > hi {
                let n = if start < lo || start > hi { start } else { end };
                return bad(format!("has {n}, outside {lo} to {hi}"));
            }
            if start > end {
                return bad(format!("has the range {range:?}, which runs backwards"));
            }
        }
    }
    Ok(())
}

/// A step of a cron range: digits only.
fn value_of_step(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
