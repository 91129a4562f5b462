//! The report's picture: one row per expense category, a bar for what was
//! spent and a mark at its budget (red when over), drawn with plotters into
//! a buffer and encoded as a PNG. The text uses a bundled font (DejaVu Sans,
//! see `assets/DejaVuSans.LICENSE`), so no system fonts are needed. Amounts
//! become floats only here, for drawing; the numbers written on the picture
//! are the exact decimal strings of the report.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
const WIDTH: u32 = 800;
const ROW: u32 = 44;
const TOP: u32 = 60;
const LABELS: i32 = 220;
const MARGIN: i32 = 20;

static FONT_ONCE: Once = Once::new();

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("could not draw the chart: {0}")]
    Drawing(String),
    #[error("could not encode the chart: {0}")]
    Encoding(String),
}

/// One category's row: its name, what was spent and its budget, both as
/// written (for the labels) and in minor units (for the lengths).
pub struct Bar {
    pub name: String,
    pub spent: String,
    pub spent_minor: i128,
    pub limit: Option<(String, i128)>,
}

fn drawing(err: impl std::fmt::Display) -> ChartError {
    ChartError::Drawing(err.to_string())
}

/// The chart of `bars` under `title`, as PNG bytes.
pub fn render(title: &str, currency: &str, bars: &[Bar]) -> Result<Vec<u8>, ChartError> {
    FONT_ONCE.call_once(|| {
        if register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing::error!("the bundled chart font does not load");
        }
    });
    let rows = u32::try_from(bars.len().max(1)).unwrap_or(1);
    let height = TOP + rows * ROW + 20;
    let mut buffer = vec![255u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let font = |size: f64| (FAMILY, size).into_font();
        root.draw(&Text::new(
            format!("{title} ({currency})"),
            (MARGIN, 18),
            font(20.0).color(&BLACK),
        ))
        .map_err(drawing)?;
        // Floats for lengths only: the largest of the amounts fills the width.
        let largest = bars
            .iter()
            .flat_map(|b| [Some(b.spent_minor), b.limit.as_ref().map(|l| l.1)])
            .flatten()
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let span = f64::from(i32::try_from(WIDTH).unwrap_or(800) - LABELS - 2 * MARGIN - 90);
        let length = |minor: i128| ((minor.max(0) as f64) / largest * span).round() as i32;
        if bars.is_empty() {
            root.draw(&Text::new(
                "No expenses",
                (MARGIN, TOP as i32),
                font(16.0).color(&BLACK),
            ))
            .map_err(drawing)?;
        }
        for (i, bar) in bars.iter().enumerate() {
            let y = TOP as i32 + i32::try_from(i).unwrap_or(0) * ROW as i32;
            let over = bar.limit.as_ref().is_some_and(|l| bar.spent_minor > l.1);
            let color = if over {
                RGBColor(200, 40, 40)
            } else {
                RGBColor(60, 120, 200)
            };
            root.draw(&Text::new(
                bar.name.chars().take(24).collect::<String>(),
                (MARGIN, y + 8),
                font(16.0).color(&BLACK),
            ))
            .map_err(drawing)?;
            let x0 = LABELS;
            let x1 = LABELS + length(bar.spent_minor).max(1);
            root.draw(&Rectangle::new([(x0, y + 4), (x1, y + 28)], color.filled()))
                .map_err(drawing)?;
            let mut label = bar.spent.clone();
            if let Some((limit, limit_minor)) = &bar.limit {
                let x = LABELS + length(*limit_minor);
                root.draw(&Rectangle::new(
                    [(x - 1, y), (x + 1, y + 32)],
                    BLACK.filled(),
                ))
                .map_err(drawing)?;
                label = format!("{label} / {limit}");
            }
            root.draw(&Text::new(
                label,
                (
                    x1.max(LABELS + length(bar.limit.as_ref().map_or(0, |l| l.1))) + 8,
                    y + 8,
                ),
                font(14.0).color(&BLACK),
            ))
            .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, WIDTH, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ChartError::Encoding(e.to_string()))?;
        writer
            .write_image_data(&buffer)
            .map_err(|e| ChartError::Encoding(e.to_string()))?;
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_as_tall_as_its_rows_and_draws_its_bars() {
        let bars = vec![
            Bar {
                name: "Groceries".into(),
                spent: "420.00".into(),
                spent_minor: 42_000,
                limit: Some(("400.00".into(), 40_000)),
            },
            Bar {
                name: "Transport".into(),
                spent: "5.00".into(),
                spent_minor: 500,
                limit: None,
            },
        ];
        let png = render("Personal, December 2026", "EUR", &bars).expect("a chart");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().expect("width"));
        let height = u32::from_be_bytes(png[20..24].try_into().expect("height"));
        assert_eq!((width, height), (WIDTH, TOP + 2 * ROW + 20));
        let pixels = decode(&png);
        let at = |x: i32, y: u32| {
            let i = ((y * WIDTH) as usize + x as usize) * 3;
            [pixels[i], pixels[i + 1], pixels[i + 2]]
        };
        // Over budget: a red bar; within (no budget): a blue one; white past it.
        assert_eq!(at(LABELS + 10, TOP + 16), [200, 40, 40]);
        assert_eq!(at(LABELS, TOP + ROW + 16), [60, 120, 200]);
        assert_eq!(at(LABELS + 300, TOP + ROW + 16), [255, 255, 255]);
        // Some text was drawn in the title line.
        assert!((0..WIDTH as i32 / 2).any(|x| at(x, 14) != [255, 255, 255]));
        let empty = render("Personal", "EUR", &[]).expect("an empty chart");
        assert_eq!(&empty[..8], b"\x89PNG\r\n\x1a\n");
    }

    fn decode(png: &[u8]) -> Vec<u8> {
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        reader.next_frame(&mut pixels).expect("a frame");
        pixels
    }
}
