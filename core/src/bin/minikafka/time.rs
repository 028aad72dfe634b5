//! Timestamps as people type them: milliseconds since the epoch, or an ISO 8601 date and
//! time (`2024-05-01`, `2024-05-01T12:00`, `2024-05-01T12:00:00.250+08:00`). Without a zone
//! a time is UTC.

/// Milliseconds since the Unix epoch of `text`.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "{text:?}: expected milliseconds since the epoch or a date and time such as \
             2024-05-01T12:00:00 (UTC unless it ends in Z or +HH:MM / -HH:MM)"
        )
    };
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    let (date, rest) = text.split_at(text.find(['T', ' ']).unwrap_or(text.len()));
    let rest = rest.get(1..).unwrap_or("");
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(bad());
    };
    let num = |s: &str, width: usize| -> Result<i64, String> {
        if s.len() == width && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (y, m, day) = (num(y, 4)?, num(m, 2)?, num(day, 2)?);
    if !(1..=12).contains(&m) || !(1..=days_in_month(y, m)).contains(&day) {
        return Err(bad());
    }
    // The zone: Z, +HH:MM or -HH:MM at the end.
    let (clock, offset_min) = if let Some(clock) = rest.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(at) = rest.rfind(['+', '-']) {
        let (clock, zone) = rest.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, mm) = zone[1..].split_once(':').ok_or_else(bad)?;
        (clock, sign * (num(h, 2)? * 60 + num(mm, 2)?))
    } else {
        (rest, 0)
    };
    let (mut h, mut min, mut sec, mut ms) = (0, 0, 0, 0);
    if !clock.is_empty() {
        let mut parts = clock.split(':');
        h = num(parts.next().unwrap_or(""), 2)?;
        min = num(parts.next().ok_or_else(bad)?, 2)?;
        if let Some(s) = parts.next() {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            sec = num(whole, 2)?;
            if !frac.is_empty() {
                if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                ms = format!("{frac:0<3}").parse().map_err(|_| bad())?;
            }
        }
        if parts.next().is_some() || h > 23 || min > 59 || sec > 59 {
            return Err(bad());
        }
    } else if offset_min != 0 || rest.ends_with('Z') {
        return Err(bad());
    }
    let days = days_from_civil(y, m, day);
    Ok((((days * 24 + h) * 60 + min - offset_min) * 60 + sec) * 1000 + ms)
}

/// `ms` as `2024-05-01T12:00:00.250Z`.
pub fn format_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_typed() {
        assert_eq!(parse_time("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("1970-01-01"), Ok(0));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14 22:13:20.5"), Ok(1_700_000_000_500));
        assert_eq!(
            parse_time("2023-11-15T06:13:20+08:00"),
            Ok(1_700_000_000_000)
        );
        assert_eq!(parse_time("2023-11-14T17:13-05:00"), Ok(1_699_999_980_000));
        assert_eq!(parse_time("2024-02-29T00:00"), Ok(1_709_164_800_000));
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "yesterday",
            "2023-11-14T25:00",
            "2023-1-1",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        assert_eq!(format_time(1_700_000_000_500), "2023-11-14T22:13:20.500Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
    }
}
