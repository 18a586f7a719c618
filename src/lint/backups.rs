//! Longhorn backups: a RecurringJob's schedule (MG033) and the link between its groups and
//! the volume claims labelled to join them (MG037, MG038). The label keys come from
//! [`crate::rules::backup_label_keys`], the one owner the builder and validation use too.

use super::value::{Obj, get_arr, get_map, get_str};
use super::{Linter, Out, Rule};
use crate::profile::types::check_cron;
use crate::rules::backup_label_keys;

/// The value Longhorn requires on both recurring-job labels (the builder writes it too).
use crate::rules::BACKUP_LABEL_VALUE as ENABLED;

/// Longhorn's own group: it applies to every volume without recurring-job labels, so it
/// needs no claim to carry it.
const DEFAULT_GROUP: &str = "default";

/// Whether a claim carries label `key` with the value Longhorn acts on.
fn label_enabled(pvc: &Obj<'_>, key: &str) -> bool {
    get_map(pvc.v, &["metadata", "labels"])
        .and_then(|l| l.get(key))
        .and_then(|v| v.as_str())
        == Some(ENABLED)
}

/// The groups whose label a claim carries (with the value `enabled`), source label or not.
fn labelled_groups<'o>(pvc: &Obj<'o>) -> Vec<&'o str> {
    let [_, prefix] = backup_label_keys("");
    get_map(pvc.v, &["metadata", "labels"])
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.as_str() == Some(ENABLED))
        .filter_map(|(k, _)| k.strip_prefix(prefix.as_str()))
        .collect()
}

impl<'a> Linter<'a> {
    /// MG033 and MG037 for a RecurringJob.
    pub(super) fn check_recurring_job(&self, o: &Obj<'a>, out: &mut Out) {
        if let Some(cron) = get_str(o.v, &["spec", "cron"])
            && let Err(e) = check_cron(cron)
        {
            out.push((Rule::RecurringJobCron, e));
        }
        let groups = get_arr(o.v, &["spec", "groups"])
            .iter()
            .filter_map(|g| g.as_str());
        for group in groups.filter(|g| *g != DEFAULT_GROUP) {
            let [source, group_key] = backup_label_keys(group);
            let labelled: Vec<&Obj<'a>> = self
                .of_kind("PersistentVolumeClaim")
                .filter(|p| label_enabled(p, &group_key))
                .collect();
            if labelled.iter().any(|p| label_enabled(p, &source)) {
                continue;
            }
            let why = match labelled.first() {
                Some(p) => format!(
                    "; claim {} has the group label but not {source}: {ENABLED}, so Longhorn never copies it to the volume",
                    p.name
                ),
                None => String::new(),
            };
            out.push((
                Rule::BackupGroupWithoutVolumes,
                format!("no claim in the set joins group {group} ({group_key}: {ENABLED} with {source}: {ENABLED}){why}"),
            ));
        }
    }

    /// MG038: a claim labelled for a group that no RecurringJob in the set runs.
    pub(super) fn check_pvc_backup_groups(&self, o: &Obj<'a>, out: &mut Out) {
        for group in labelled_groups(o) {
            if group == DEFAULT_GROUP {
                continue;
            }
            let run = self.of_kind("RecurringJob").any(|j| {
                get_arr(j.v, &["spec", "groups"])
                    .iter()
                    .any(|g| g.as_str() == Some(group))
            });
            if !run {
                out.push((
                    Rule::VolumeInGroupWithoutJob,
                    format!("the claim joins Longhorn group {group}, which no RecurringJob in the set lists in spec.groups"),
                ));
            }
        }
    }
}
