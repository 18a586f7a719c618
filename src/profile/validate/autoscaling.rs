//! `[autoscaling]`: the frontend's HorizontalPodAutoscaler.

use super::Checker;
use crate::profile::model;
use crate::profile::types;
use crate::profile::*;

pub(super) fn check_autoscaling(
    c: &mut Checker<'_>,
    a: &model::Autoscaling,
) -> Option<Autoscaling> {
    let min = c.check(
        "autoscaling.min_replicas",
        types::parse_range(a.min_replicas, 1, 1000, "min_replicas"),
    );
    let max = c.check(
        "autoscaling.max_replicas",
        types::parse_range(a.max_replicas, 1, 1000, "max_replicas"),
    );
    let target = c.check(
        "autoscaling.target_cpu_utilization",
        types::parse_range(
            a.target_cpu_utilization,
            1,
            1000,
            "target_cpu_utilization (percent of the CPU request)",
        ),
    );
    if let (Some(min), Some(max)) = (min, max)
        && max < min
    {
        c.err(
            "autoscaling.max_replicas",
            format!("{max} is below min_replicas ({min})"),
        );
    }
    Some(Autoscaling {
        min_replicas: min?,
        max_replicas: max?,
        target_cpu_utilization: target?,
    })
}
