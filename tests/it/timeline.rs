//! The timeline from the command line (issue 14, in progress): the picture written, the
//! events explained, ranges and bad input refused with exit code 2, a record added with
//! a date on the picture after the next build, and a bad `when` reported as `path:line`.

use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::checkout;

/// Width and height of the PNG at `path`.
fn png_size(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn the_timeline_is_drawn_and_explained_from_the_records() {
    let project = Project::new(&checkout());
    let out = project.path("all.png");
    let o = project.run(&["timeline", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h) = png_size(&out);
    assert_eq!(w, 1200);
    assert!(h <= 1600, "{h}");
    assert!(stdout(&o).contains("44 events"), "{}", stdout(&o));

    let o = project.run(&[
        "timeline",
        "--explain",
        "--topic",
        "exchanges",
        "--from",
        "2025-08",
        "--to",
        "Sept 2025",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for id in ["PX-06", "PX-07", "PX-05"] {
        assert!(text.contains(id), "{id}: {text}");
    }
    assert!(
        !text.contains("PX-01") && !text.contains("PX-08"),
        "outside the range: {text}"
    );

    for bad in [
        vec!["timeline", "--explain", "--from", "soon"],
        vec!["timeline", "--explain", "--topic", "weather"],
        vec!["timeline", "--explain", "--lang", "fr"],
    ] {
        let o = project.run(&bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
}

#[test]
fn a_record_added_with_a_date_is_on_the_timeline_and_a_bad_when_names_its_line() {
    let project = Project::new(&checkout());
    let file = project.path("index/sources/records/09-later.toml");
    std::fs::write(
        &file,
        "kind = \"exchange\"\n\n[[records]]\nid = \"PX-50\"\ntitle = \"A later swap\"\ndate = \"5 Dec 2025\"\nfigures = { returned = 50 }\nbody = \"Each side freed 50 people.\"\n\n[[records]]\nid = \"PX-51\"\ntitle = \"Undated\"\ndate = \"some time\"\nbody = \"No date given.\"\n",
    )
    .unwrap();
    let o = project.run(&["timeline", "--explain", "--topic", "exchanges"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("PX-50") && text.contains("2025-12-05"),
        "{text}"
    );
    assert!(
        text.contains("1 records with a kind left off")
            && text.contains("PX-51")
            && text.contains("some time"),
        "{text}"
    );

    std::fs::write(
        &file,
        "[[records]]\nid = \"PX-50\"\ntitle = \"A later swap\"\nkind = \"exchange\"\nwhen = \"the fifth\"\nbody = \"Each side freed 50 people.\"\n",
    )
    .unwrap();
    let o = project.run(&["index"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("09-later.toml:5: record `PX-50`: `when = \"the fifth\"`"),
        "{}",
        stderr(&o)
    );
}
