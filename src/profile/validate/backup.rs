//! `[backup]`: the Longhorn RecurringJob.

use super::Checker;
use crate::profile::model::{RawProfile, StorageProvider};
use crate::profile::node::join;
use crate::profile::types::{self, CronSchedule, DnsLabel};
use crate::profile::*;
use crate::rules::backup_label_keys;

pub(super) fn check_backup(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Backup> {
    let b = &raw.backup;
    if raw.storage.provider != StorageProvider::Longhorn {
        c.err(
            "backup.enabled",
            "backups are Longhorn RecurringJobs; storage.provider is not \"longhorn\"",
        );
    }
    let cron = c.check("backup.cron", CronSchedule::parse(&b.cron));
    let retain = c.check(
        "backup.retain",
        types::parse_range(b.retain, 1, 100, "retain (backups kept)"),
    );
    c.check("backup.group", DnsLabel::parse(&b.group).map(|_| ()));
    c.check(
        "backup.longhorn_namespace",
        DnsLabel::parse(&b.longhorn_namespace).map(|_| ()),
    );
    // The claims carry these labels to join the backup group; a profile label of the same
    // key on every object would be replaced on the claims.
    for key in backup_label_keys(&b.group) {
        if raw.app.labels.contains_key(&key) {
            c.err(
                &join("app.labels", &key),
                format!("{key} is written on the volume claims by magnetiq-gen from [backup]; a value here would conflict with it"),
            );
        }
    }
    let name = format!("{}-backup", raw.app.namespace);
    if name.len() > 40 {
        c.err("app.namespace", format!("the backup job's name {name} is longer than the 40 characters Longhorn allows; shorten the namespace or disable [backup]"));
    }
    Some(Backup {
        name,
        cron: cron?,
        retain: retain?,
        group: b.group.clone(),
        longhorn_namespace: b.longhorn_namespace.clone(),
    })
}
