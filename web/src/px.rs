//! Numbers for SVG coordinates, written without Rust's float formatting: the standard
//! library's float printing (shortest and fixed-precision) adds about 10 KB to the wasm,
//! which has a 400 KB budget. One decimal is finer than a pixel on any screen.

use std::fmt;

/// A coordinate, written with one decimal (`12.5`, `-0.5`, `3.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths < 0 {
            f.write_str("-")?;
        }
        let tenths = tenths.unsigned_abs();
        write!(f, "{}.{}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::Px;

    #[test]
    fn one_decimal_like_the_float_formatting_it_replaces() {
        for x in [0.0, 12.46, -0.5, -3.04, 999.95, 1e6 + 0.3, -0.04] {
            assert_eq!(
                Px(x).to_string(),
                format!("{:.1}", x).replace("-0.0", "0.0"),
                "{x}"
            );
        }
    }
}
