//! `merge::NetId` (which net of a run) and `Run::progress` (the page's typed
//! progress): names come from `data::task_name` and `MergeMethod::name`.

use lowrank_lab::config::MergeMethod;
use lowrank_lab::merge::NetId;
use lowrank_lab::run::Run;

#[test]
fn net_ids_parse_and_display_by_name() {
    assert_eq!(NetId::parse("a", 2), Some(NetId::Task(0)));
    assert_eq!(NetId::parse("b", 2), Some(NetId::Task(1)));
    assert_eq!(NetId::parse("c", 2), None, "a run of two tasks has no net c");
    // The 28th task's name is two characters long: still a task, not a merge.
    assert_eq!(NetId::parse("b1", 30), Some(NetId::Task(27)));
    assert_eq!(NetId::Task(27).to_string(), "b1");
    for m in MergeMethod::ALL {
        assert_eq!(NetId::parse(m.name(), 2), Some(NetId::Merged(m)));
        assert_eq!(NetId::Merged(m).to_string(), m.name());
    }
    assert_eq!(NetId::parse("", 2), None);
}

#[test]
fn a_run_lists_its_nets_and_boundary_panels_follow_them() {
    let mut c = lowrank_lab::presets::find("merge-orthogonal").unwrap().config().unwrap();
    c.data.generator = lowrank_lab::config::Generator::Planar;
    c.train.steps = 20;
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    let ids: Vec<NetId> = run.nets().into_iter().map(|(id, _)| id).collect();
    let mut expected = vec![NetId::Task(0), NetId::Task(1)];
    expected.extend(run.config().merge.methods.iter().map(|&m| NetId::Merged(m)));
    assert_eq!(ids, expected);
    let sets = lowrank_lab::figures::boundary_panels(&run.synced());
    assert_eq!(sets.len(), 2);
    for (t, set) in sets.iter().enumerate() {
        let task = lowrank_lab::data::task_name(t);
        // Its own net first, then every merge; never the other task's net.
        assert_eq!(set[0].title, format!("net {task} on task {task}"));
        assert_eq!(set.len(), 1 + run.config().merge.methods.len());
        assert!(
            set[1..].iter().all(|p| p.title.contains("(merged)")),
            "{:?}",
            set.iter().map(|p| &p.title).collect::<Vec<_>>()
        );
    }
    let p = run.progress();
    assert_eq!(p.tasks, ["a", "b"]);
    assert_eq!(p.status.len(), 2);
    assert_eq!(p.step, 20);
}
