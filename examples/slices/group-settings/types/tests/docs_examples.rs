//! The generated types of the group-settings slice against the response example of the
//! Microsoft Graph v1.0 documentation (copied verbatim from
//! microsoftgraph/microsoft-graph-docs-contrib).

use graph_example_group_settings_types::GroupSetting;

/// https://learn.microsoft.com/graph/api/group-list-settings?view=graph-rest-1.0, example 2
/// (`GET /groups/{id}/settings`), the response.
const GROUP_LIST_SETTINGS: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groupSettings",
    "value": [
        {
            "id": "a06fa228-3042-4662-bd09-33e298da1afe",
            "displayName": "Group.Unified.Guest",
            "templateId": "08d542b9-071f-4e16-94b0-74abb372e3d9",
            "values": [
                {
                    "name": "AllowToAddGuests",
                    "value": "false"
                }
            ]
        }
    ]
}"##;

#[derive(serde::Deserialize)]
struct Page {
    value: Vec<GroupSetting>,
}

#[test]
fn a_groups_settings_parse() {
    let page: Page = serde_json::from_str(GROUP_LIST_SETTINGS).unwrap();
    let [setting] = page.value.as_slice() else {
        panic!("one setting");
    };
    assert_eq!(setting.display_name.as_deref(), Some("Group.Unified.Guest"));
    assert_eq!(setting.values.len(), 1);
    assert_eq!(setting.values[0].name.as_deref(), Some("AllowToAddGuests"));
    assert_eq!(setting.values[0].value.as_deref(), Some("false"));
}
