//! Colour-blind-safe colours (Okabe & Ito, 2008) and the series styles built
//! from them.
//!
//! Colour is never the only cue: when a chart has many series, they also
//! differ by dash pattern and marker shape (see [`series_style`]).

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// Okabe–Ito orange `#E69F00`.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Okabe–Ito sky blue `#56B4E9`.
pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Okabe–Ito bluish green `#009E73`.
pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe–Ito yellow `#F0E442` (weak on white: used last).
pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
/// Okabe–Ito blue `#0072B2`.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion `#D55E00`.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe–Ito reddish purple `#CC79A7`.
pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Okabe–Ito black `#000000`.
pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);

/// The eight Okabe–Ito colours in their canonical order.
pub const OKABE_ITO: [RGBColor; 8] = [ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, BLACK];

/// The order in which series take colours: strongest contrast on white first,
/// yellow last.
pub const SERIES_ORDER: [RGBColor; 8] = [BLUE, VERMILLION, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE, BLACK, YELLOW];

/// Grey used for text that is secondary (notes, "no data yet").
pub const GREY_TEXT: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Grey used for grid lines and neutral reference lines.
pub const GREY_LINE: RGBColor = RGBColor(0x88, 0x88, 0x88);

/// Colour of series number `i` (cycles through [`SERIES_ORDER`]).
pub fn series_color(i: usize) -> RGBColor {
    SERIES_ORDER[i % SERIES_ORDER.len()]
}

/// Mix `c` with white: `amount` 0 keeps the colour, 1 gives white.
pub fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let a = if amount.is_finite() { amount.clamp(0.0, 1.0) } else { 0.0 };
    let mix = |v: u8| -> u8 { (v as f64 + (255.0 - v as f64) * a).round() as u8 };
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// `#rrggbb` form of a colour (handy for the browser and for tests).
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Dash pattern of a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dash {
    /// Continuous line.
    #[default]
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dots.
    Dotted,
}

/// Marker shape drawn on a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Marker {
    /// Filled circle.
    Circle,
    /// Filled square.
    Square,
    /// Filled upward triangle.
    Triangle,
    /// Diagonal cross.
    Cross,
    /// Filled diamond.
    Diamond,
}

/// All marker shapes, in the order series take them.
pub const MARKERS: [Marker; 5] = [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Cross];

/// How one series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesStyle {
    /// Stroke / fill colour.
    pub color: RGBColor,
    /// Dash pattern of the connecting line.
    pub dash: Dash,
    /// Marker shape (None: line only).
    pub marker: Option<Marker>,
    /// Stroke width in pixels.
    pub width: u32,
}

impl Default for SeriesStyle {
    fn default() -> Self {
        SeriesStyle {
            color: BLUE,
            dash: Dash::Solid,
            marker: None,
            width: 2,
        }
    }
}

/// Style of series `i` out of `n`: colour cycles through [`SERIES_ORDER`];
/// when there are more than four series each also gets a marker shape, and
/// after eight series the dash pattern changes too, so no two series of a
/// chart look alike even in grey scale.
pub fn series_style(i: usize, n: usize) -> SeriesStyle {
    let dash = match (i / SERIES_ORDER.len()) % 3 {
        0 => Dash::Solid,
        1 => Dash::Dashed,
        _ => Dash::Dotted,
    };
    let marker = if n > 4 { Some(MARKERS[i % MARKERS.len()]) } else { None };
    SeriesStyle {
        color: series_color(i),
        dash,
        marker,
        width: 2,
    }
}
