//! The index-build progress bar (hidden automatically when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

use crate::core::index::{BuildProgress, Phase};

pub struct Bar(ProgressBar);

impl Bar {
    pub fn new() -> Self {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "indexing {bar:40} {pos}/{len} passages ({per_sec}, {eta})",
            )
            .expect("valid template"),
        );
        Bar(bar)
    }
}

impl BuildProgress for Bar {
    fn phase(&self, phase: Phase) {
        if phase == Phase::Embedding {
            // The same bar counts the sentences embedded next.
            self.0.set_style(
                ProgressStyle::with_template(
                    "embedding {bar:40} {pos}/{len} sentences ({per_sec}, {eta})",
                )
                .expect("valid template"),
            );
        }
    }

    /// Starts counting `total` items (passages, then sentences): a bar finished for one
    /// phase starts again for the next.
    fn start(&self, total: usize) {
        self.0.reset();
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        self.0.set_length(total as u64);
    }

    fn advance(&self, done: usize) {
        self.0.set_position(done as u64);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
