//! CISA's Known Exploited Vulnerabilities catalogue (`known_exploited_vulnerabilities.json`):
//! `{"title", "catalogVersion", "dateReleased", "count", "vulnerabilities": [{"cveID",
//! "vendorProject", "product", "vulnerabilityName", "dateAdded", "shortDescription",
//! "requiredAction", "dueDate", "knownRansomwareCampaignUse", "notes", "cwes"}]}`.

use std::io::Read;

use serde::Deserialize;

use super::{is_cve_id, stream_array};
use crate::import::run::Run;
use crate::import::validate::Invalid;
use crate::store::Kev;
use crate::DbError;

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "cveID")]
    cve: String,
    #[serde(rename = "vendorProject", default)]
    vendor: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(rename = "vulnerabilityName", default)]
    name: Option<String>,
    #[serde(rename = "dateAdded")]
    date_added: String,
    #[serde(rename = "dueDate", default)]
    due_date: Option<String>,
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    ransomware: Option<String>,
    #[serde(rename = "requiredAction", default)]
    required_action: Option<String>,
}

/// Reads the catalogue (streamed). An entry of the wrong shape, with a bad CVE id or a bad date,
/// is skipped and listed.
pub(crate) fn read(run: &mut Run<'_, '_>, reader: impl Read, label: &str) -> Result<(), DbError> {
    stream_array(reader, label, "vulnerabilities", &[], |index, item| match parse(item) {
        Ok(kev) => run.kev(&kev),
        Err(invalid) => run.skip(&format!("vulnerabilities[{index}]"), invalid.id, invalid.reason),
    })?;
    Ok(())
}

fn parse(item: serde_json::Value) -> Result<Kev, Invalid> {
    let item: Item = serde_json::from_value(item).map_err(|e| Invalid {
        id: None,
        reason: format!("not a KEV entry: {e}"),
    })?;
    if !is_cve_id(&item.cve) {
        return Err(Invalid {
            id: None,
            reason: format!("not a CVE id: {:?}", item.cve.chars().take(40).collect::<String>()),
        });
    }
    let fail = |reason: String| Invalid {
        id: Some(item.cve.clone()),
        reason,
    };
    check_date(&item.date_added).map_err(|r| fail(format!("dateAdded: {r}")))?;
    if let Some(due) = &item.due_date {
        check_date(due).map_err(|r| fail(format!("dueDate: {r}")))?;
    }
    Ok(Kev {
        cve: item.cve,
        date_added: item.date_added,
        due_date: item.due_date,
        ransomware: item.ransomware,
        vendor: item.vendor,
        product: item.product,
        name: item.name,
        required_action: item.required_action,
    })
}

/// KEV dates are `YYYY-MM-DD`.
fn check_date(s: &str) -> Result<(), String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format)
        .map(drop)
        .map_err(|_| format!("{:?} is not a YYYY-MM-DD date", s.chars().take(40).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let ok = parse(
            serde_json::json!({"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10", "dueDate": "2021-12-24",
                                          "knownRansomwareCampaignUse": "Known", "vendorProject": "Apache"}),
        )
        .expect("should succeed");
        assert!(ok.known_ransomware());
        assert_eq!(ok.due_date.as_deref(), Some("2021-12-24"));
        let bad_date =
            parse(serde_json::json!({"cveID": "CVE-2021-44228", "dateAdded": "12/10/2021"})).expect_err("should fail");
        assert_eq!(bad_date.id.as_deref(), Some("CVE-2021-44228"));
        assert!(bad_date.reason.starts_with("dateAdded"));
        assert!(parse(serde_json::json!({"dateAdded": "2021-12-10"}))
            .expect_err("should fail")
            .reason
            .starts_with("not a KEV entry"));
    }
}
