//! Charts drawn on the server as SVG (plotters), inline in the page: no
//! script and nothing fetched, so they show on an air-gapped post and pass
//! the console's content security policy. Each chart is an image with a
//! text alternative; the page shows the figures as a table beside it.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 220;
/// The console's blue and its darker red.
pub(crate) const BLUE: RGBColor = RGBColor(0x1d, 0x4e, 0x89);
pub(crate) const RED: RGBColor = RGBColor(0xa3, 0x1f, 0x34);

/// A line of a line chart: its name, colour and one value per label.
pub(crate) struct Line<'a> {
    pub(crate) name: &'a str,
    pub(crate) color: RGBColor,
    pub(crate) values: Vec<Option<f64>>,
}

/// One bar per label, with the value's axis named `unit`.
pub(crate) fn bars(label: &str, unit: &str, labels: &[String], values: &[u64], color: RGBColor) -> String {
    let top = values.iter().copied().max().unwrap_or(0).max(1);
    // A segmented range from 0 to n holds n + 1 segments.
    let last = u32::try_from(labels.len()).unwrap_or(u32::MAX).saturating_sub(1);
    svg(label, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d((0..last).into_segmented(), 0..top + top.div_ceil(10))?;
        let name = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len().min(12))
            .x_label_formatter(&name)
            .label_style(("sans-serif", 13))
            .y_desc(unit)
            .y_labels(5)
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(color.filled())
                .margin(2)
                .data(values.iter().enumerate().map(|(i, &v)| (u32::try_from(i).unwrap_or(u32::MAX), v))),
        )?;
        Ok(())
    })
}

/// Lines over the labels (a missing value breaks nothing: the line joins
/// the values either side), with a legend.
pub(crate) fn lines(label: &str, unit: &str, labels: &[String], lines: &[Line<'_>]) -> String {
    let top = lines.iter().flat_map(|l| l.values.iter().flatten()).fold(0.0f64, |a, &b| a.max(b)).max(1.0);
    let n = labels.len().max(2) - 1;
    svg(label, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0..n, 0.0..top * 1.1)?;
        let name = |i: &usize| labels.get(*i).cloned().unwrap_or_default();
        chart
            .configure_mesh()
            .x_labels(labels.len().min(12))
            .x_label_formatter(&name)
            .label_style(("sans-serif", 13))
            .y_desc(unit)
            .y_labels(5)
            .draw()?;
        for line in lines {
            let points: Vec<(usize, f64)> =
                line.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
            let color = line.color;
            chart
                .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
                .label(line.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).draw()?;
        Ok(())
    })
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Draws with `draw` and returns the SVG, marked as an image named
/// `label`; a drawing that fails says so in place of the chart.
fn svg(label: &str, draw: impl FnOnce(&Area<'_>) -> Result<(), DrawingAreaErrorKind<std::io::Error>>) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root).map_err(|e| e.to_string()))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match drawn {
        Ok(()) => {
            let label = maud::html! { (label) }.into_string();
            out.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"chart\" "), 1)
        }
        Err(e) => {
            tracing::warn!("chart `{label}` not drawn: {e}");
            maud::html! { p.error { "The chart could not be drawn." } }.into_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_an_image_named_for_what_it_shows_with_one_bar_per_label() {
        let labels: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        let values: Vec<u64> = (0..24).collect();
        let svg = bars("Searches <per hour>", "searches", &labels, &values, BLUE);
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Searches &lt;per hour&gt;\""), "{}", &svg[..200]);
        // Bars in the console's blue, one per label.
        assert_eq!(svg.matches("fill=\"#1D4E89\"").count(), 24, "{svg}");
    }

    #[test]
    fn a_line_chart_draws_each_line_with_its_legend() {
        let labels: Vec<String> = (0..5).map(|h| h.to_string()).collect();
        let p50 = Line { name: "p50", color: BLUE, values: vec![Some(1.0), None, Some(2.0), Some(2.5), None] };
        let p99 = Line { name: "p99", color: RED, values: vec![Some(4.0), None, Some(9.0), Some(7.5), None] };
        let svg = lines("Latency", "ms", &labels, &[p50, p99]);
        assert!(svg.contains(">\np50\n<") || svg.contains(">p50<"), "legend: {svg}");
        for color in ["#1D4E89", "#A31F34"] {
            let drawn = format!("stroke=\"{color}\" stroke-width=\"2\"");
            assert_eq!(svg.matches(&drawn).count(), 2, "{color}: its line and its legend mark: {svg}");
        }
    }
}
