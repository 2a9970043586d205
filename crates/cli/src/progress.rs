//! A progress bar on stderr while layers are read (only when stderr is a terminal and not `-q`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vigil_image::Progress;

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Bar { bar }
    }

    pub fn message(&self, msg: &str) {
        self.bar.set_message(msg.to_string());
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, layers: usize, total_bytes: u64) {
        self.bar.set_length(total_bytes);
        self.bar.set_message(format!("reading {layers} layers"));
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn layer_done(&self) {}
}
