//! The multiply–add ceiling of one thread: how many f64 multiply–adds per
//! second the widest vector unit this build can reach does when nothing but
//! multiply–adds run (no loads, no stores, every operand in a register).
//! `make bench` measures it natively (AVX-512 or AVX2 with FMA, detected at
//! run time) and in each wasm build (simd128: a multiply then an add, two
//! f64 lanes; with relaxed SIMD, `f64x2.relaxed_madd`), so the best any
//! product, and any step made of products, can reach in the browser against
//! native is a ratio measured on the machine, not an argument about vector
//! widths (derived here: a step of F flops on T threads of peak P per thread
//! takes at least F / (T·P) seconds, whatever its kernels).
//!
//! The loop runs `CHAINS` independent chains x ← x·a + b per vector lane
//! (independent, so the units pipeline them: a multiply–add's latency is 4–5
//! cycles and a core issues two per cycle). With a = b = 1 (passed through
//! `black_box`, so the compiler cannot fold them) every lane counts its
//! iterations, exactly while the count stays below 2⁵³: [`expected_sum`] is
//! the closed form a test checks the loop against, so a kernel that skipped
//! work would be caught. Each chain starts from its own value so that no two
//! chains are the same computation (a compiler could merge those).

use std::hint::black_box;

/// One measured kernel: what ran and how much arithmetic it did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Kernel {
    /// "avx512f", "avx2+fma", "scalar", "simd128" or "simd128+relaxed".
    pub name: &'static str,
    /// f64 lanes per vector operation.
    pub lanes: usize,
    /// One rounding per multiply–add (a fused instruction) or two.
    pub fused: bool,
    /// Independent chains per lane.
    pub chains: usize,
}

impl Kernel {
    /// Flops of `iters` iterations (2 per multiply–add, fused or not).
    pub fn flops(&self, iters: u64) -> f64 {
        2.0 * (self.lanes * self.chains) as f64 * iters as f64
    }
}

/// The sum over every lane of every chain after `iters` iterations with
/// a = b = 1 from the starts `x0 + c` (chain c): lanes · Σ_c (x0 + c + iters).
pub fn expected_sum(k: &Kernel, x0: f64, iters: u64) -> f64 {
    let chains = k.chains as f64;
    k.lanes as f64 * (chains * (x0 + iters as f64) + chains * (chains - 1.0) / 2.0)
}

/// Run the widest kernel this build and CPU have, `iters` iterations, with
/// `chains` chains (8 or 12); returns it and the sum of its final values.
///
/// # Panics
/// If `chains` is neither 8 nor 12 (the kernels are monomorphised for those).
pub fn run(chains: usize, iters: u64, x0: f64) -> (Kernel, f64) {
    let (a, b, iters, x0) = (black_box(1.0), black_box(1.0), black_box(iters), black_box(x0));
    let out = match chains {
        8 => widest::<8>(iters, a, b, x0),
        12 => widest::<12>(iters, a, b, x0),
        _ => panic!("peak::run: chains must be 8 or 12, got {chains}"),
    };
    (out.0, black_box(out.1))
}

/// What [`measure`] found: the best chain count's kernel and its rates.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Peak {
    pub kernel: Kernel,
    /// GFLOP/s of each timed rep of the best kernel, and the best of them.
    pub gflops: Vec<f64>,
    pub gflops_best: f64,
    /// Every rep's sum equalled [`expected_sum`] (else the figure is not a rate of this work).
    pub checked: bool,
}

/// The benchmark's JSON line for a measurement (`lowrank-lab bench --workload P`,
/// the wasm `bench_peak`): {workload: "P", impl, unit: "GFLOP/s", kernel, gflops,
/// gflops_best, checked}.
#[derive(Debug, serde::Serialize)]
pub struct Line<'a> {
    pub workload: &'static str,
    #[serde(rename = "impl")]
    pub implementation: &'static str,
    pub unit: &'static str,
    #[serde(flatten)]
    pub peak: &'a Peak,
}

impl<'a> Line<'a> {
    pub fn new(implementation: &'static str, peak: &'a Peak) -> Self {
        Line {
            workload: "P",
            implementation,
            unit: "GFLOP/s",
            peak,
        }
    }
}

/// Time the kernel with 8 and with 12 chains, `reps` reps each of about
/// `seconds` (the iteration count is calibrated from an untimed run), on
/// `clock` (seconds, monotonic); the chain count with the best rep wins.
pub fn measure(clock: impl Fn() -> f64, seconds: f64, reps: usize) -> Peak {
    let mut best: Option<Peak> = None;
    for chains in [8, 12] {
        // Calibrate: double the iterations until a run takes a tenth of `seconds`.
        let mut iters: u64 = 1 << 12;
        loop {
            let t = clock();
            run(chains, iters, 0.0);
            let dt = clock() - t;
            if dt >= 0.1 * seconds || iters >= 1 << 40 {
                iters = ((iters as f64) * seconds / dt.max(1e-9)).clamp(1.0, (1u64 << 44) as f64) as u64;
                break;
            }
            iters *= 2;
        }
        let mut gflops = Vec::with_capacity(reps);
        let mut checked = true;
        let mut kernel = None;
        for r in 0..reps.max(1) {
            let x0 = r as f64;
            let t = clock();
            let (k, sum) = run(chains, iters, x0);
            let dt = clock() - t;
            checked &= sum == expected_sum(&k, x0, iters);
            gflops.push(k.flops(iters) / dt.max(1e-12) / 1e9);
            kernel = Some(k);
        }
        let gflops_best = gflops.iter().copied().fold(0.0, f64::max);
        let this = Peak {
            kernel: kernel.expect("one rep ran"),
            gflops,
            gflops_best,
            checked,
        };
        if best.as_ref().is_none_or(|b| this.gflops_best > b.gflops_best) {
            best = Some(this);
        }
    }
    best.expect("two chain counts ran")
}

#[cfg(target_arch = "x86_64")]
fn widest<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> (Kernel, f64) {
    let kernel = |name, lanes| Kernel {
        name,
        lanes,
        fused: true,
        chains: C,
    };
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F (checked just above).
        return (kernel("avx512f", 8), unsafe { x86::avx512::<C>(iters, a, b, x0) });
    }
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return (kernel("avx2+fma", 4), unsafe { x86::avx2::<C>(iters, a, b, x0) });
    }
    scalar::<C>(iters, a, b, x0)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn widest<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> (Kernel, f64) {
    let sum = if C == 8 {
        wasm::chains8(iters, a, b, x0)
    } else {
        wasm::chains12(iters, a, b, x0)
    };
    let name = if cfg!(target_feature = "relaxed-simd") {
        "simd128+relaxed"
    } else {
        "simd128"
    };
    (
        Kernel {
            name,
            lanes: 2,
            fused: cfg!(target_feature = "relaxed-simd"),
            chains: C,
        },
        sum,
    )
}

/// The wasm kernels, one named local per chain: the crate's wasm builds are
/// optimised for size (`opt-level = "s"`, Cargo.toml), under which a loop over
/// an array of chains is not unrolled and the chains live in memory, a load
/// and a store per multiply–add instead of a register.
/// Never inlined: each run is its own call, so that V8, which moves a wasm
/// function to its optimising tier between calls, runs the timed calls optimised.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::*;

    #[inline(always)]
    fn madd(v: v128, a: v128, b: v128) -> v128 {
        #[cfg(target_feature = "relaxed-simd")]
        {
            f64x2_relaxed_madd(v, a, b)
        }
        #[cfg(not(target_feature = "relaxed-simd"))]
        {
            f64x2_add(f64x2_mul(v, a), b)
        }
    }

    macro_rules! chains {
        ($name:ident: $($v:ident $c:literal),+) => {
            #[inline(never)]
            pub fn $name(iters: u64, a: f64, b: f64, x0: f64) -> f64 {
                let (va, vb) = (f64x2_splat(a), f64x2_splat(b));
                $(let mut $v = f64x2_splat(x0 + $c);)+
                for _ in 0..iters {
                    $($v = madd($v, va, vb);)+
                }
                0.0 $(+ f64x2_extract_lane::<0>($v) + f64x2_extract_lane::<1>($v))+
            }
        };
    }

    chains!(chains8: c0 0.0, c1 1.0, c2 2.0, c3 3.0, c4 4.0, c5 5.0, c6 6.0, c7 7.0);
    chains!(chains12: c0 0.0, c1 1.0, c2 2.0, c3 3.0, c4 4.0, c5 5.0, c6 6.0, c7 7.0, c8 8.0, c9 9.0, c10 10.0, c11 11.0);
}

#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
fn widest<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> (Kernel, f64) {
    scalar::<C>(iters, a, b, x0)
}

#[allow(dead_code)] // the fallback of x86 CPUs without AVX2/FMA and of other targets
fn scalar<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> (Kernel, f64) {
    let mut acc = [0.0; C];
    for (c, v) in acc.iter_mut().enumerate() {
        *v = x0 + c as f64;
    }
    for _ in 0..iters {
        for v in &mut acc {
            *v = *v * a + b;
        }
    }
    (
        Kernel {
            name: "scalar",
            lanes: 1,
            fused: false,
            chains: C,
        },
        acc.iter().sum(),
    )
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f")]
    pub unsafe fn avx512<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> f64 {
        let (va, vb) = (_mm512_set1_pd(a), _mm512_set1_pd(b));
        let mut acc = [_mm512_setzero_pd(); C];
        for (c, v) in acc.iter_mut().enumerate() {
            *v = _mm512_set1_pd(x0 + c as f64);
        }
        for _ in 0..iters {
            for v in &mut acc {
                *v = _mm512_fmadd_pd(*v, va, vb);
            }
        }
        acc.iter().map(|v| _mm512_reduce_add_pd(*v)).sum()
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn avx2<const C: usize>(iters: u64, a: f64, b: f64, x0: f64) -> f64 {
        let (va, vb) = (_mm256_set1_pd(a), _mm256_set1_pd(b));
        let mut acc = [_mm256_setzero_pd(); C];
        for (c, v) in acc.iter_mut().enumerate() {
            *v = _mm256_set1_pd(x0 + c as f64);
        }
        for _ in 0..iters {
            for v in &mut acc {
                *v = _mm256_fmadd_pd(*v, va, vb);
            }
        }
        let mut lanes = [0.0; 4];
        acc.iter()
            .map(|v| {
                _mm256_storeu_pd(lanes.as_mut_ptr(), *v);
                lanes.iter().sum::<f64>()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lane_of_every_chain_counts_its_iterations() {
        for chains in [8, 12] {
            for iters in [0, 1, 7, 1000] {
                let (k, sum) = run(chains, iters, 3.0);
                assert_eq!(k.chains, chains);
                assert_eq!(sum, expected_sum(&k, 3.0, iters), "{k:?}, {iters} iterations");
            }
        }
    }

    #[test]
    fn a_measurement_checks_its_sums_and_reports_a_rate() {
        let base = std::time::Instant::now();
        let p = measure(|| base.elapsed().as_secs_f64(), 0.01, 2);
        assert!(p.checked, "{p:?}");
        assert_eq!(p.gflops.len(), 2);
        assert!(p.gflops_best > 0.0 && p.gflops_best.is_finite(), "{p:?}");
    }

    #[test]
    fn the_closed_form_is_the_sum_of_the_chains() {
        // 2 lanes, 3 chains from x0 = 1 after 4 iterations: 2·(5 + 6 + 7).
        let k = Kernel {
            name: "t",
            lanes: 2,
            fused: true,
            chains: 3,
        };
        assert_eq!(expected_sum(&k, 1.0, 4), 36.0);
        assert_eq!(k.flops(4), 2.0 * 6.0 * 4.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_widest_unit_the_cpu_has_is_used() {
        let (k, _) = run(8, 1, 0.0);
        let want = if std::arch::is_x86_feature_detected!("avx512f") {
            8
        } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            4
        } else {
            1
        };
        assert_eq!(k.lanes, want, "{k:?}");
    }
}
