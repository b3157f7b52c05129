use lowrank_lab::config::Config;
use lowrank_lab::run::Run;
use plotters::prelude::*;
fn main() {
    let mut c = Config::default();
    c.seed = 2026;
    c.data.d = 50;
    c.data.n = 30;
    c.data.tasks = 1;
    c.net.widths = vec![64, 64];
    c.train.lr = 0.5;
    c.train.lambda = 5e-3;
    c.train.steps = 10_000_000;
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    for target in [20_000u64, 50_000, 200_000] {
        let have = run.trainers()[0].step_count();
        run.advance(target - have);
        let s = run.snapshot();
        let mut buf = String::new();
        {
            let area = SVGBackend::with_string(&mut buf, (600, 400)).into_drawing_area();
            lowrank_lab::charts::draw_spectrum_strips(&area, &lowrank_lab::figures::spectrum_history(&s, 0)).unwrap();
            area.present().unwrap();
        }
        println!(
            "step {target}: points {} rects {} bytes {}",
            s.tasks[0].history.points.len(),
            buf.matches("<rect").count(),
            buf.len()
        );
    }
}
