//! One sentence that says what a config trains (the page's description of a
//! config that is no preset: the default, a shared link, changed controls).
//! Written here, not in the page, so that it cannot drift from the config.

use super::{Activation, Config, DataConfig, Generator, Loss, NetConfig, Optimizer, OutputLayer, PlanarShape, TrainConfig};

/// "One task: a one-hidden-layer ReLU net (width 200) on 20 Gaussian points in
/// d = 100; gradient descent, logistic loss, λ = 0.01." Numbers in f64's
/// shortest form (0.01, 1e-5 as 0.00001); λ is this lab's (F = L + (λ/2)‖θ‖²).
pub fn summary(cfg: &Config) -> String {
    let (data, net, train) = (&cfg.data, &cfg.net, &cfg.train);
    let tasks = match data.tasks {
        1 => "One task".to_string(),
        2 => "Two tasks".to_string(),
        k => format!("{k} tasks"),
    };
    format!("{tasks}: {} on {}; {}.", net_words(net), data_words(data), train_words(train))
}

fn count_word(k: usize) -> String {
    match k {
        1 => "one".into(),
        2 => "two".into(),
        3 => "three".into(),
        4 => "four".into(),
        k => k.to_string(),
    }
}

fn net_words(net: &NetConfig) -> String {
    if net.widths.is_empty() {
        return "a one-layer linear model (no hidden layer)".into();
    }
    let act = match net.activation {
        Activation::Relu => "ReLU".to_string(),
        Activation::LeakyRelu => format!("leaky ReLU (slope {})", net.leaky_slope),
        Activation::Linear => "linear".to_string(),
        Activation::Tanh => "tanh".to_string(),
        Activation::Gelu => "GELU".to_string(),
    };
    let widths = net.widths.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    let label = if net.widths.len() == 1 { "width" } else { "widths" };
    let mut s = format!("a {}-hidden-layer {act} net ({label} {widths}", count_word(net.widths.len()));
    if net.output == OutputLayer::Fixed {
        s += ", a fixed ±1/√m output layer";
    }
    if net.bias {
        s += ", biases";
    }
    if !net.frozen.is_empty() {
        let frozen = net.frozen.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        let layer = if net.frozen.len() == 1 { "layer" } else { "layers" };
        s += &format!(", {layer} {frozen} frozen");
    }
    s + ")"
}

fn data_words(data: &DataConfig) -> String {
    let each = if data.tasks > 1 { " per task" } else { "" };
    let n = data.n;
    let d = data.d;
    match data.generator {
        Generator::Gaussian => format!("{n} Gaussian points{each} in d = {d}"),
        Generator::Blocks => format!("{n} points{each} on disjoint coordinate blocks of d = {d}"),
        Generator::Mixing => format!("{n} points{each} in d = {d} with overlap ρ = {}", data.rho),
        Generator::Whitened => {
            let outputs = if data.out_dim == 1 { "output" } else { "outputs" };
            format!("{n} whitened regression points{each} in d = {d} ({} {outputs})", data.out_dim)
        }
        Generator::Planar => {
            let shape = match data.shape {
                PlanarShape::Moons => "moons",
                PlanarShape::Circles => "circles",
                PlanarShape::Xor => "XOR",
                PlanarShape::Spiral => "spiral",
            };
            if data.tasks > 1 {
                format!("{n} planar {shape} points per task, planes at φ = {}°", data.angle_deg)
            } else {
                format!("{n} planar {shape} points")
            }
        }
        Generator::Digits => {
            let pairs = data.digit_pairs[..data.tasks.min(data.digit_pairs.len())]
                .iter()
                .map(|[a, b]| format!("{a} vs {b}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{n} handwritten digits{each} ({pairs})")
        }
    }
}

fn train_words(train: &TrainConfig) -> String {
    let opt = match train.optimizer {
        Optimizer::Gd => "gradient descent".to_string(),
        Optimizer::Gf => "gradient flow".to_string(),
        Optimizer::Sgd => format!("SGD (batches of {})", train.batch_size),
    };
    let loss = match train.loss {
        Loss::Logistic => "logistic",
        Loss::Squared => "squared",
    };
    format!("{opt}, {loss} loss, λ = {}", train.lambda)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_reads_as_the_page_has_always_described_it() {
        assert_eq!(
            summary(&Config::default()),
            "One task: a one-hidden-layer ReLU net (width 200) on 20 Gaussian points in d = 100; gradient descent, logistic loss, λ = 0.01."
        );
    }

    #[test]
    fn deeper_nets_tasks_and_other_data_are_named() {
        let mut c = Config::default();
        (c.data.tasks, c.data.generator, c.data.rho, c.data.n, c.data.d) = (2, Generator::Mixing, 0.25, 30, 40);
        (c.net.widths, c.net.activation, c.net.leaky_slope, c.net.output, c.net.bias) =
            (vec![64, 32], Activation::LeakyRelu, 0.2, OutputLayer::Fixed, true);
        (c.train.optimizer, c.train.loss, c.train.lambda, c.train.batch_size) = (Optimizer::Sgd, Loss::Squared, 1e-5, 8);
        assert_eq!(
            summary(&c),
            "Two tasks: a two-hidden-layer leaky ReLU (slope 0.2) net (widths 64, 32, a fixed ±1/√m output layer, biases) \
             on 30 points per task in d = 40 with overlap ρ = 0.25; SGD (batches of 8), squared loss, λ = 0.00001."
        );
        let mut p = Config::default();
        (p.data.tasks, p.data.generator, p.data.shape, p.data.angle_deg, p.data.n) = (3, Generator::Planar, PlanarShape::Xor, 60.0, 50);
        (p.train.optimizer, p.net.frozen, p.net.widths) = (Optimizer::Gf, vec![1, 2], vec![200, 10]);
        assert_eq!(
            summary(&p),
            "3 tasks: a two-hidden-layer ReLU net (widths 200, 10, layers 1, 2 frozen) on 50 planar XOR points per task, planes at φ = 60°; \
             gradient flow, logistic loss, λ = 0.01."
        );
        let mut l = Config::default();
        (l.net.widths, l.data.generator, l.data.out_dim, l.train.loss) = (vec![], Generator::Whitened, 3, Loss::Squared);
        assert_eq!(
            summary(&l),
            "One task: a one-layer linear model (no hidden layer) on 20 whitened regression points in d = 100 (3 outputs); \
             gradient descent, squared loss, λ = 0.01."
        );
        let mut g = Config::default();
        (g.data.tasks, g.data.generator, g.data.n, g.data.d) = (2, Generator::Digits, 100, 64);
        assert_eq!(
            summary(&g),
            "Two tasks: a one-hidden-layer ReLU net (width 200) on 100 handwritten digits per task (0 vs 1, 7 vs 9); \
             gradient descent, logistic loss, λ = 0.01."
        );
    }

    /// Every preset's config gets a sentence that names its sample count and λ.
    #[test]
    fn every_preset_is_summarised() {
        for p in crate::presets::PRESETS {
            let c = p.config().expect("presets are valid");
            let s = summary(&c);
            assert!(
                s.contains(&format!("on {} ", c.data.n)) && s.contains(&format!("λ = {}.", c.train.lambda)),
                "{}: {s}",
                p.name
            );
        }
    }
}
