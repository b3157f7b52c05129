//! One drawing backend for the page's two outputs, a canvas and an SVG
//! string. Every chart is generic over its backend (`fn draw_x<DB:
//! DrawingBackend>`); drawing both to `CanvasBackend` and `SVGBackend` would
//! compile every chart twice into the wasm module (about 100 KB of the
//! 1.5 MB). Through this enum each chart is compiled once; each call is
//! forwarded unchanged, so the output is exactly what the wrapped backend
//! draws.
//!
//! One call is drawn here instead: a filled rectangle on the canvas sets the
//! context's fill style only when the colour differs from the last one this
//! backend set (`CanvasBackend` formats and sets it for every rectangle, and
//! the browser parses that CSS colour each time). A spectrum strip is
//! thousands of rectangles drawn colour by colour, so this takes most of its
//! drawing time away; any other call may change the fill style, so it forgets
//! the colour it set.

use plotters::prelude::SVGBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A canvas (the page's charts) or an SVG document ("download SVG").
pub enum PageBackend<'a> {
    Canvas(PageCanvas),
    Svg(SVGBackend<'a>),
}

/// plotters-canvas's backend, with its 2-D context for the filled rectangles
/// drawn here and the fill colour last set on it (`None`: unknown).
pub struct PageCanvas {
    backend: CanvasBackend,
    ctx: CanvasRenderingContext2d,
    fill: Option<((u8, u8, u8), f64)>,
}

impl PageCanvas {
    /// The backend of `canvas`, or `None` if it has no 2-D context.
    pub fn new(canvas: HtmlCanvasElement) -> Option<PageCanvas> {
        let ctx = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        Some(PageCanvas {
            backend: CanvasBackend::with_canvas_object(canvas)?,
            ctx,
            fill: None,
        })
    }

    /// What `CanvasBackend::draw_rect` draws for a filled rectangle, the fill style set only when it changes.
    fn fill_rect(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, color: BackendColor) {
        if color.alpha == 0.0 {
            return;
        }
        let key = (color.rgb, color.alpha);
        if self.fill != Some(key) {
            let (r, g, b) = color.rgb;
            self.ctx.set_fill_style_str(&format!("rgba({},{},{},{})", r, g, b, color.alpha));
            self.fill = Some(key);
        }
        self.ctx.fill_rect(
            f64::from(upper_left.0),
            f64::from(upper_left.1),
            f64::from(bottom_right.0 - upper_left.0),
            f64::from(bottom_right.1 - upper_left.1),
        );
    }
}

/// The wrapped backend's error, as text.
#[derive(Debug)]
pub struct PageBackendError(String);

impl std::fmt::Display for PageBackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PageBackendError {}

fn map<E: std::error::Error + Send + Sync>(e: DrawingErrorKind<E>) -> DrawingErrorKind<PageBackendError> {
    match e {
        DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(PageBackendError(e.to_string())),
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

/// Forward a call to whichever backend is inside, mapping its error.
macro_rules! forward {
    ($self:ident, $b:ident => $call:expr) => {
        match $self {
            PageBackend::Canvas(c) => {
                let $b = &mut c.backend;
                $call.map_err(map)
            }
            PageBackend::Svg($b) => $call.map_err(map),
        }
    };
}

/// [`forward!`] a call that draws: it may set the canvas's fill style, so the
/// colour set by [`PageCanvas::fill_rect`] is forgotten.
macro_rules! forward_draw {
    ($self:ident, $b:ident => $call:expr) => {{
        if let PageBackend::Canvas(c) = $self {
            c.fill = None;
        }
        forward!($self, $b => $call)
    }};
}

impl DrawingBackend for PageBackend<'_> {
    type ErrorType = PageBackendError;

    fn get_size(&self) -> (u32, u32) {
        match self {
            PageBackend::Canvas(c) => c.backend.get_size(),
            PageBackend::Svg(b) => b.get_size(),
        }
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward!(self, b => b.ensure_prepared())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward!(self, b => b.present())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        if let (PageBackend::Canvas(c), true) = (&mut *self, fill) {
            c.fill_rect(upper_left, bottom_right, style.color());
            return Ok(());
        }
        forward_draw!(self, b => b.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.fill_polygon(vert, style))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.draw_text(text, style, pos))
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<PageBackendError>> {
        match self {
            PageBackend::Canvas(c) => c.backend.estimate_text_size(text, style).map_err(map),
            PageBackend::Svg(b) => b.estimate_text_size(text, style).map_err(map),
        }
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<PageBackendError>> {
        forward_draw!(self, b => b.blit_bitmap(pos, size, src))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::{IntoDrawingArea, IntoFont, Rectangle, Text, BLACK, RED};
    use plotters::style::Color;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A rectangle of the colour set before some text is drawn in that colour,
    /// not in the text's (the text changed the context's fill style).
    #[wasm_bindgen_test]
    fn a_fill_colour_is_set_again_after_text() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let canvas: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
        canvas.set_width(60);
        canvas.set_height(30);
        let area = PageBackend::Canvas(PageCanvas::new(canvas.clone()).unwrap()).into_drawing_area();
        area.draw(&Rectangle::new([(0, 0), (10, 10)], RED.filled())).unwrap();
        area.draw(&Text::new("x", (20, 0), ("sans-serif", 10).into_font().color(&BLACK)))
            .unwrap();
        area.draw(&Rectangle::new([(40, 10), (60, 30)], RED.filled())).unwrap();
        area.present().unwrap();
        let ctx: CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
        let px = ctx.get_image_data(50.0, 20.0, 1.0, 1.0).unwrap().data().0;
        assert_eq!(px, vec![255, 0, 0, 255]);
    }
}
