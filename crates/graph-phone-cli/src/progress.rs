//! The progress bar of long work (export, apply): on stderr, with rate and ETA, only when
//! stderr is a terminal and neither `--json` nor `--no-progress` is given.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether bars are drawn.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    pub fn new(disabled: bool) -> Self {
        Self {
            enabled: !disabled && std::io::stderr().is_terminal(),
        }
    }

    /// A bar of `len` units of `unit` (hidden when progress is off).
    pub fn bar(&self, len: u64, unit: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let template =
            format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}}{unit} ({{per_sec}}, ETA {{eta}})");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}
