//! `*.dist-info/direct_url.json` (PEP 610): where a distribution was installed from when that was
//! not an index: a URL, with the VCS and commit for VCS installs, or a local (maybe editable) directory.

use serde::Deserialize;

/// The facts of a `direct_url.json` the cataloger keeps.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DirectUrl {
    pub url: String,
    pub vcs: String,
    pub commit_id: String,
    pub editable: bool,
}

#[derive(Deserialize)]
struct Raw {
    url: String,
    #[serde(default)]
    vcs_info: Option<VcsInfo>,
    #[serde(default)]
    dir_info: Option<DirInfo>,
}

#[derive(Deserialize)]
struct VcsInfo {
    #[serde(default)]
    vcs: String,
    #[serde(default)]
    commit_id: String,
}

#[derive(Deserialize)]
struct DirInfo {
    #[serde(default)]
    editable: bool,
}

pub fn parse(data: &[u8]) -> Result<DirectUrl, serde_json::Error> {
    let raw: Raw = serde_json::from_slice(data)?;
    let vcs = raw.vcs_info.unwrap_or(VcsInfo {
        vcs: String::new(),
        commit_id: String::new(),
    });
    Ok(DirectUrl {
        url: raw.url,
        vcs: vcs.vcs,
        commit_id: vcs.commit_id,
        editable: raw.dir_info.is_some_and(|d| d.editable),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vcs_and_dir_installs() {
        let d = parse(br#"{"url": "https://github.com/psf/requests.git", "vcs_info": {"vcs": "git", "commit_id": "0e322af8", "requested_revision": "v2.19.0"}}"#)
            .expect("direct url");
        assert_eq!(d.vcs, "git");
        assert_eq!(d.commit_id, "0e322af8");
        let d = parse(br#"{"dir_info": {"editable": true}, "url": "file:///src/app"}"#).expect("direct url");
        assert!(d.editable);
        assert_eq!(d.url, "file:///src/app");
        assert!(parse(b"{\"dir_info\": {}}").is_err());
    }
}
