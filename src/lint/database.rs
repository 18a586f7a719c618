//! CloudNativePG Clusters (postgresql.cnpg.io): superuser access (MG046) and the budgets of a
//! one-instance cluster (MG047).

use super::value::{Obj, as_int, get, get_bool, get_str};
use super::{Out, Rule};
use crate::rules::cnpg_keeps_budgets;

/// MG046 and MG047 for a `Cluster` of CloudNativePG (other projects have kinds of that name).
pub(super) fn check_cnpg_cluster(o: &Obj<'_>, out: &mut Out) {
    if !get_str(o.v, &["apiVersion"]).is_some_and(|a| a.starts_with("postgresql.cnpg.io/")) {
        return;
    }
    if get_bool(o.v, &["spec", "enableSuperuserAccess"]) == Some(true) {
        out.push((
            Rule::CnpgSuperuserAccess,
            "spec.enableSuperuserAccess is true: the postgres superuser's password is kept in a Secret and it may log in over the network".to_string(),
        ));
    }
    // enablePDB defaults to true upstream.
    let budgets = get_bool(o.v, &["spec", "enablePDB"]).unwrap_or(true);
    if let Some(instances) = get(o.v, &["spec", "instances"]).and_then(as_int)
        && budgets
        && !cnpg_keeps_budgets(instances)
    {
        out.push((
            Rule::CnpgSingleInstanceBudget,
            format!("{instances} instance with the operator's PodDisruptionBudgets on (spec.enablePDB unset or true): a drain of its node never finishes"),
        ));
    }
}
