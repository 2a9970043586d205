//! `--filter CONDITION`: a condition in Falco's language, compiled once against Vigil's field
//! table and evaluated on each enriched event without allocating.

use anyhow::{anyhow, Result};
use vigil_rules::fields::{self, EventFields, Host};
use vigil_rules::{Compiled, Scratch};
use vigil_state::Enriched;

pub struct Filter {
    cond: Compiled,
    scratch: Scratch,
    host: Host,
}

impl Filter {
    /// Compiles `text`; errors say where (`--filter:1:col`) and what was expected. Fields the
    /// sensor cannot supply yet are accepted with one warning each (they never match).
    pub fn compile(text: &str, host: Host) -> Result<Filter> {
        let expr = vigil_rules::parse(text).map_err(|e| anyhow!("{}", e.render("--filter", text)))?;
        let cond =
            vigil_rules::compile(&expr, &fields::table()).map_err(|e| anyhow!("{}", e.render("--filter", text)))?;
        let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'));
        let mut warned = Vec::new();
        for w in words {
            if fields::is_unsupported(w) && !warned.contains(&w) {
                eprintln!("vigil: warning: --filter uses {w}, which this sensor cannot supply yet: it never matches");
                warned.push(w);
            }
        }
        Ok(Filter {
            cond,
            scratch: Scratch::new(),
            host,
        })
    }

    pub fn matches(&mut self, en: &Enriched<'_>) -> bool {
        self.cond
            .matches(&EventFields::new(en, &self.host, None), &mut self.scratch)
    }
}

/// The host as the live sensor knows it: boot time from the kernel clocks.
pub fn live_host() -> Host {
    let mut h = Host::detect(std::path::Path::new("/proc"));
    h.boot_epoch_ns = u64::try_from(vigil_probe::boot_to_wall_offset_ns())
        .ok()
        .or(h.boot_epoch_ns);
    h
}
