//! Vigil's responses to alerts: `kill` the process, `pause` or `stop` the container through the
//! Docker Engine API, `deny-connect` (cgroup connect4/connect6 programs refusing the container's
//! outbound connects with EPERM) and `kill-on-exec` (SIGKILL sent by the kernel from the exec
//! tracepoint, so the forbidden program runs none of its own instructions). Each action returns an
//! [`ActionRecord`] for the alert's `actions` key; a dry run only reports what would be done.
//!
//! ```no_run
//! use vigil_respond::{Responder, Responses, ResponseConfig, Target};
//! let list: Vec<ResponseConfig> = vec![]; // from vigil.yaml's `responses`
//! let responses = Responses::new(list).unwrap();
//! let mut responder = Responder::new(Some(vigil_state::DockerClient::new("/var/run/docker.sock")), None, None);
//! let target = Target { pid: Some(1234), container: Some("web".into()), ..Target::default() };
//! for r in responses.for_alert("Terminal shell in container", &["shell"]) {
//!     let record = responder.respond(r, &target);
//!     println!("{}", record.ok);
//! }
//! ```

#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod action;
mod config;

pub use action::{ActionRecord, Responder, Target};
pub use config::{glob_match, ActionKind, ConfigError, ResponseConfig, Responses};
pub use vigil_probe::{Allow, EnforceAction, EnforceEvent, Enforcer, EnforcerConfig};
