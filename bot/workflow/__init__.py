"""The work on a ticket: its card, the moves (接单, 办结, 上报, 转派, 退回, 驳回, 会商, 合并),
triage, questions to the resident and the resident's rating."""
