//! Charts drawn on the server as SVG.
//!
//! Why on the server: the page's content-security policy allows no inline script, and a
//! regulator's figures must be readable without JavaScript. `plotters` writes the SVG; the page
//! embeds it inline. What these functions guarantee, so embedding is safe:
//! - the SVG is built from numbers and from labels the caller passes; every label is cleaned of
//!   control characters (they are not valid XML) and cut to a sane length, and `plotters` escapes
//!   text and attribute values (`<`, `>`, `&`, quotes) when it writes them;
//! - there are no `style=` attributes (the policy's `style-src 'self'` would block them): the
//!   SVG backend writes presentation attributes (`fill`, `stroke`, `font-family`, …) only, and a
//!   test holds it to that;
//! - the `<svg>` carries `role="img"`, an `aria-label` and a `<title>`, so a screen reader
//!   announces the chart; the page puts the numbers in a table beside it as well.
//!
//! Text is written as `<text>` elements with the `sans-serif` family: no font files are needed
//! (the `naive` font of `plotters` only estimates sizes), the browser lays the text out.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The drawing's width in SVG units. The `<svg>` is `width="100%"` with a `viewBox`, so it
/// scales to its column; the width is chosen so that on a 390px phone (about 330px of column)
/// 18-unit labels still read at about 12px, and twelve month labels fit side by side.
const WIDTH: u32 = 480;
/// Height of the plot; the legend goes in rows below it (never beside it: on a phone a side
/// legend would take a third of the width from the bars).
const PLOT_HEIGHT: u32 = 300;
/// The legend's columns and the height of one of its rows.
const LEGEND_COLUMNS: usize = 2;
const LEGEND_ROW: u32 = 26;
/// Longest label kept, in characters.
const MAX_LABEL: usize = 40;
/// Series colours: the Okabe-Ito palette, told apart by people with colour-blind vision.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x66, 0x66, 0x66),
];
/// Colour of compensation paid.
const PAID: RGBColor = PALETTE[0];
/// Colour of compensation recovered.
const RECOVERED: RGBColor = PALETTE[2];
const INK: RGBColor = RGBColor(0x1d, 0x22, 0x30);
const MUTED: RGBColor = RGBColor(0x5b, 0x62, 0x75);
const GRID: RGBColor = RGBColor(0xd9, 0xdc, 0xe3);
const FONT: &str = "sans-serif";

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// The words a chart shows, in the page language.
#[derive(Debug, Clone, Copy)]
pub struct ChartText<'a> {
    /// The chart's title: the accessible name (`<title>`, `aria-label`).
    pub title: &'a str,
    /// What the horizontal axis shows.
    pub x_desc: &'a str,
    /// What the vertical axis shows.
    pub y_desc: &'a str,
    /// Written across the empty plot when every figure is zero.
    pub empty: &'a str,
}

/// The colour of the `i`-th series (categories cycle through the palette).
pub fn series_color(i: usize) -> String {
    let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// A stacked bar chart of complaints: one bar per month (in the order given, labelled with the
/// given month label), stacked by category. Categories are stacked and coloured in the order
/// they first appear in `data`; a category missing from a month counts as zero there.
pub fn complaints_by_month(data: &[(String, Vec<(String, u64)>)], text: &ChartText) -> String {
    let mut categories: Vec<String> = Vec::new();
    for (_, row) in data {
        for (c, _) in row {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
    }
    let months: Vec<String> = data.iter().map(|(m, _)| clean(m)).collect();
    // Each month's counts in the categories' order, so bars stack the same way every month.
    let counts: Vec<Vec<u64>> = data
        .iter()
        .map(|(_, row)| {
            categories.iter().map(|c| row.iter().filter(|(k, _)| k == c).map(|(_, n)| *n).sum::<u64>()).collect()
        })
        .collect();
    let legend: Vec<(String, RGBColor)> =
        categories.iter().enumerate().map(|(i, c)| (clean(c), PALETTE[i % PALETTE.len()])).collect();
    render(text, legend.len(), |root| {
        let (plot, side) = root.split_vertically(PLOT_HEIGHT);
        let max = counts.iter().map(|c| c.iter().sum::<u64>()).max().unwrap_or(0);
        // Headroom above the tallest bar; an empty chart still gets a 0-5 axis.
        let top = if max == 0 { 5 } else { max + max.div_ceil(8) };
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(48)
            .y_label_area_size(52)
            .build_cartesian_2d(month_axis(months.len()), 0u64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_label_formatter(&|x| label_at(&months, *x))
            .y_label_formatter(&|y| y.to_string())
            .x_desc(clean(text.x_desc))
            .y_desc(clean(text.y_desc))
            .label_style((FONT, 18).into_font().color(&INK))
            .axis_desc_style((FONT, 17).into_font().color(&MUTED))
            .draw()?;
        for (i, month) in counts.iter().enumerate() {
            let x = i as f64;
            let mut base = 0u64;
            for (c, n) in month.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let color = PALETTE[c % PALETTE.len()];
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.35, base), (x + 0.35, base + n)],
                    color.filled(),
                )))?;
                base += n;
            }
        }
        if max == 0 {
            empty_note(&plot, text.empty)?;
        }
        draw_legend(&side, &legend)
    })
}

/// A grouped bar chart of compensation by month: for each month (in the order given), the
/// compensation paid to consumers and the part recovered from the liable parties, side by side.
/// Amounts are integer fen; the axis reads in yuan.
pub fn compensation_by_month(data: &[(String, i64, i64)], series: (&str, &str), text: &ChartText) -> String {
    let months: Vec<String> = data.iter().map(|(m, _, _)| clean(m)).collect();
    // Negative amounts are not compensation; they are drawn as zero rather than below the axis.
    let values: Vec<(i64, i64)> = data.iter().map(|(_, p, r)| ((*p).max(0), (*r).max(0))).collect();
    let legend = vec![(clean(series.0), PAID), (clean(series.1), RECOVERED)];
    render(text, legend.len(), |root| {
        let (plot, side) = root.split_vertically(PLOT_HEIGHT);
        let max = values.iter().map(|(p, r)| (*p).max(*r)).max().unwrap_or(0);
        // An empty chart gets a ¥0-¥100 axis.
        let top = if max == 0 { 10_000 } else { max + max / 8 + 1 };
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(48)
            .y_label_area_size(84)
            .build_cartesian_2d(month_axis(months.len()), 0i64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_label_formatter(&|x| label_at(&months, *x))
            .y_label_formatter(&|y| axis_yuan(*y))
            .x_desc(clean(text.x_desc))
            .y_desc(clean(text.y_desc))
            .label_style((FONT, 18).into_font().color(&INK))
            .axis_desc_style((FONT, 17).into_font().color(&MUTED))
            .draw()?;
        for (i, (paid, recovered)) in values.iter().enumerate() {
            let x = i as f64;
            if *paid > 0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new([(x - 0.38, 0), (x - 0.02, *paid)], PAID.filled())))?;
            }
            if *recovered > 0 {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.02, 0), (x + 0.38, *recovered)],
                    RECOVERED.filled(),
                )))?;
            }
        }
        if max == 0 {
            empty_note(&plot, text.empty)?;
        }
        draw_legend(&side, &legend)
    })
}

/// The month axis: bars centred on 0, 1, …, n-1, a label under each (and only there: a month
/// has no "2.5", which a plain number axis would happily label).
struct MonthAxis {
    n: usize,
    inner: RangedCoordf64,
}

impl Ranged for MonthAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.n).map(|i| i as f64).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// The axis for `n` months (at least one slot, so an empty chart still has a width).
fn month_axis(n: usize) -> MonthAxis {
    let n = n.max(1);
    MonthAxis { n, inner: (-0.5f64..(n as f64 - 0.5)).into() }
}

/// The label of the month at axis position `x`.
fn label_at(months: &[String], x: f64) -> String {
    let i = x.round();
    if i < 0.0 || (x - i).abs() > 1e-6 {
        return String::new();
    }
    months.get(i as usize).cloned().unwrap_or_default()
}

/// Fen as an axis label: yuan, without a `.00` tail.
fn axis_yuan(fen: i64) -> String {
    let s = super::layout::yuan(fen);
    s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
}

/// Says across the plot that there is nothing to draw, so an empty axis is not read as a fault.
fn empty_note<DB: DrawingBackend>(plot: &DrawingArea<DB, plotters::coord::Shift>, note: &str) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = plot.dim_in_pixel();
    let style = (FONT, 21).into_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    plot.draw(&Text::new(clean(note), (w as i32 / 2 + 24, h as i32 / 2 - 20), style))?;
    Ok(())
}

/// The legend below the plot: a swatch and a name per series in [`LEGEND_COLUMNS`] columns,
/// outside the plot so it never covers a bar.
fn draw_legend<DB: DrawingBackend>(
    side: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = (FONT, 17).into_font().color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
    let column = (WIDTH as usize / LEGEND_COLUMNS) as i32;
    for (i, (name, color)) in entries.iter().enumerate() {
        let x = 12 + column * (i % LEGEND_COLUMNS) as i32;
        let y = LEGEND_ROW as i32 / 2 + 4 + LEGEND_ROW as i32 * (i / LEGEND_COLUMNS) as i32;
        side.draw(&Rectangle::new([(x, y - 8), (x + 16, y + 8)], color.filled()))?;
        side.draw(&Text::new(name.clone(), (x + 24, y), style.clone()))?;
    }
    Ok(())
}

/// The drawing's size with room for `entries` legend entries below the plot.
fn size(entries: usize) -> (u32, u32) {
    let rows = entries.div_ceil(LEGEND_COLUMNS) as u32;
    (WIDTH, PLOT_HEIGHT + rows * LEGEND_ROW + 8)
}

/// Draws with `f` on a fresh SVG sized for `entries` legend entries, then makes it scale to its
/// column and marks it as an image with its accessible name. A drawing error (a bug: every input
/// is plain numbers) gives an empty titled SVG, not a failed page.
fn render<F>(text: &ChartText, entries: usize, f: F) -> String
where
    F: FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> DrawResult,
{
    let mut svg = String::new();
    let size = size(entries);
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| f(&root).map_err(|e| e.to_string()))
            .and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    if let Err(e) = drawn {
        tracing::error!(error = %e, chart = text.title, "chart could not be drawn");
        svg = format!(
            "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {0} {1}\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n",
            size.0, size.1
        );
    }
    label_svg(&svg, text.title)
}

/// Makes the outer `<svg>` as wide as its column (`width="100%"`, no fixed height: the
/// `viewBox` keeps the proportions, with or without the stylesheet) and adds `role="img"`,
/// `aria-label` and a `<title>`.
fn label_svg(svg: &str, title: &str) -> String {
    let title = escape(&clean(title));
    let Some(start) = svg.find("<svg") else { return svg.to_string() };
    let Some(end) = svg[start..].find('>').map(|i| start + i) else { return svg.to_string() };
    let mut out = String::with_capacity(svg.len() + 2 * title.len() + 64);
    out.push_str(&svg[..start]);
    out.push_str(&fluid(&svg[start..end]));
    out.push_str(&format!(" role=\"img\" aria-label=\"{title}\" focusable=\"false\">\n<title>{title}</title>"));
    out.push_str(&svg[end + 1..]);
    out
}

/// The opening `<svg …` tag (without its `>`) with `width="100%"` for its fixed width and
/// without its fixed height.
fn fluid(tag: &str) -> String {
    tag.split(' ')
        .filter(|a| !a.starts_with("height=\""))
        .map(|a| if a.starts_with("width=\"") { "width=\"100%\"" } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A label fit for the SVG: no control characters (not valid XML), at most [`MAX_LABEL`]
/// characters. Escaping is left to the writer (`plotters`, or [`escape`]).
fn clean(s: &str) -> String {
    let kept: String = s.chars().filter(|c| !c.is_control()).collect();
    match kept.char_indices().nth(MAX_LABEL) {
        Some((i, _)) => format!("{}…", &kept[..i]),
        None => kept,
    }
}

/// XML escaping for text and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: ChartText = ChartText {
        title: "Complaints by month",
        x_desc: "Month",
        y_desc: "Complaints",
        empty: "No complaints in this period",
    };

    fn rects_filled(svg: &str, color: &str) -> usize {
        svg.lines().filter(|l| l.starts_with("<rect") && l.contains(&format!("fill=\"{color}\""))).count()
    }

    fn months(data: &[(String, Vec<(String, u64)>)]) -> Vec<String> {
        data.iter().map(|(m, _)| m.clone()).collect()
    }

    #[test]
    fn complaints_stack_one_rect_per_nonzero_category_and_month() {
        let data = vec![
            ("2026-01".to_string(), vec![("quality".to_string(), 3), ("counterfeit".to_string(), 1)]),
            ("02".to_string(), vec![]),
            ("03".to_string(), vec![("counterfeit".to_string(), 2), ("quality".to_string(), 0)]),
        ];
        let svg = complaints_by_month(&data, &TEXT);
        // quality: Jan only (+1 legend swatch); counterfeit: Jan and Mar (+1 swatch).
        assert_eq!(rects_filled(&svg, &series_color(0)), 2, "{svg}");
        assert_eq!(rects_filled(&svg, &series_color(1)), 3, "{svg}");
        for m in months(&data) {
            assert!(svg.contains(&format!("{m}\n</text>")), "month label {m} is drawn");
        }
        assert!(svg.contains(">\nquality\n</text>") && svg.contains(">\ncounterfeit\n</text>"), "legend names");
        assert!(!svg.contains("No complaints in this period"), "no empty note when there are figures");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(r#"role="img" aria-label="Complaints by month""#));
        assert!(svg.contains("<title>Complaints by month</title>"));
        assert!(!svg.contains("style="), "the page CSP blocks style attributes");
    }

    #[test]
    fn stacked_bars_sit_on_each_other() {
        let data = vec![("2026-05".to_string(), vec![("a".to_string(), 2), ("b".to_string(), 2)])];
        let svg = complaints_by_month(&data, &TEXT);
        let rect = |color: &str| -> Option<(i64, i64)> {
            let line = svg.lines().find(|l| l.starts_with("<rect") && l.contains(&format!("fill=\"{color}\"")))?;
            let attr = |name: &str| -> Option<i64> {
                let from = line.find(&format!(" {name}=\""))? + name.len() + 3;
                line[from..].split('"').next()?.parse().ok()
            };
            Some((attr("y")?, attr("height")?))
        };
        let (a_y, a_h) = rect(&series_color(0)).unwrap_or_default();
        let (b_y, b_h) = rect(&series_color(1)).unwrap_or_default();
        assert!(a_h > 0 && b_h > 0);
        assert!((a_h - b_h).abs() <= 1, "equal counts, equal heights");
        assert!((b_y + b_h - a_y).abs() <= 1, "the second category starts where the first ends");
    }

    #[test]
    fn an_empty_period_draws_axes_and_says_so() {
        let data = vec![("2026-01".to_string(), vec![]), ("02".to_string(), vec![])];
        let svg = complaints_by_month(&data, &TEXT);
        assert!(svg.contains("No complaints in this period"));
        assert!(svg.contains("2026-01\n</text>") && svg.contains("02\n</text>"), "months still labelled");
        assert!(svg.contains("<line") || svg.contains("<polyline"), "axes are drawn");
        assert_eq!(rects_filled(&svg, &series_color(0)), 0, "no bars, no legend");
        let none = complaints_by_month(&[], &TEXT);
        assert!(none.contains("No complaints in this period") && none.contains("<title>"));
    }

    #[test]
    fn compensation_draws_paid_and_recovered_side_by_side() {
        let data =
            vec![("2026-01".to_string(), 60_000, 30_000), ("02".to_string(), 0, 0), ("03".to_string(), 12_345, 0)];
        let text = ChartText { title: "Compensation", x_desc: "Month", y_desc: "Yuan", empty: "None paid" };
        let svg = compensation_by_month(&data, ("paid", "recovered"), &text);
        let RGBColor(r, g, b) = PAID;
        assert_eq!(rects_filled(&svg, &format!("#{r:02X}{g:02X}{b:02X}")), 3, "two months paid + swatch");
        let RGBColor(r, g, b) = RECOVERED;
        assert_eq!(rects_filled(&svg, &format!("#{r:02X}{g:02X}{b:02X}")), 2, "one month recovered + swatch");
        assert!(svg.contains("2026-01\n</text>") && svg.contains("03\n</text>"));
        assert!(svg.contains("¥0\n</text>"), "the axis reads in yuan");
        assert!(!svg.contains("None paid"));
        assert!(!svg.contains("style="));
        let empty = compensation_by_month(&[("2026-01".into(), 0, 0)], ("paid", "recovered"), &text);
        assert!(empty.contains("None paid") && empty.contains("¥100\n</text>"));
    }

    #[test]
    fn the_svg_scales_to_its_column_with_the_legend_below() {
        let row = |n: usize| ("01".to_string(), (0..n).map(|i| (format!("c{i}"), 1)).collect::<Vec<_>>());
        let two = complaints_by_month(&[row(2)], &TEXT);
        let open = &two[two.find("<svg").unwrap()..];
        let open = &open[..open.find('>').unwrap()];
        assert!(open.contains(r#"width="100%""#) && !open.contains("height="), "{open}");
        assert!(open.contains(&format!(r#"viewBox="0 0 {WIDTH} {}""#, PLOT_HEIGHT + LEGEND_ROW + 8)), "{open}");
        // Five categories take three legend rows under the plot, not a column beside it.
        let five = complaints_by_month(&[row(5)], &TEXT);
        assert!(five.contains(&format!(r#"viewBox="0 0 {WIDTH} {}""#, PLOT_HEIGHT + 3 * LEGEND_ROW + 8)));
    }

    #[test]
    fn labels_are_escaped_and_cleaned() {
        let data = vec![("<b>\u{0}".to_string(), vec![("x\"&<script>".to_string(), 1)])];
        let text = ChartText { title: "a \"quoted\" <title>", ..TEXT };
        let svg = complaints_by_month(&data, &text);
        assert!(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains('\u{0}'));
        assert!(svg.contains("&lt;b&gt;") && svg.contains("x&quot;&amp;&lt;script&gt;"));
        assert!(svg.contains("<title>a &quot;quoted&quot; &lt;title&gt;</title>"));
        assert_eq!(clean(&"长".repeat(50)).chars().count(), MAX_LABEL + 1, "cut, with an ellipsis");
    }
}
