"""Writes the synthetic vendor exports in this folder (seeded, so the files are reproducible).

Each file has the columns its vendor documents (see include/cskpi/input/presets.hpp) and the
quirks real exports have: ratings as words, statuses as words, durations in minutes or hours,
slash dates, Chinese headers in GBK. Run with any Python 3: python3 make_exports.py
"""
import csv
import io
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(20260301)
START = datetime(2026, 3, 1, 8, 0, 0)


def when(i):
    return START + timedelta(minutes=37 * i + rng.randrange(0, 30))


def zendesk():
    agents = ["Ann Lee", "Bob Ma", "Cai Wen", ""]
    vias = ["Email", "Chat", "Web form", "Phone call (incoming)", "Facebook Private Message"]
    statuses = ["Solved", "Closed", "Open", "Pending", "Solved", "Solved"]
    scores = ["Good", "Good", "Bad", "Offered", "Unoffered", "Good"]
    head = ["Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Status", "Priority", "Via",
            "Ticket type", "Created at", "Updated at", "Satisfaction Score", "Reopens", "Replies",
            "First reply time in minutes", "First reply time in minutes within business hours",
            "Full resolution time in minutes", "Full resolution time in minutes within business hours"]
    rows, api = [], []
    for i in range(48):
        created = when(i)
        status = rng.choice(statuses)
        solved = status in ("Solved", "Closed")
        frt = "" if rng.random() < 0.1 else str(rng.randrange(1, 600))
        full = str(rng.randrange(30, 3000)) if solved else ""
        agent = rng.choice(agents)
        via = rng.choice(vias)
        score = rng.choice(scores)
        rid = str(9000 + rng.randrange(0, 20))
        rows.append([str(1000 + i), "Customer " + rid, rid, agent, "Support" if agent else "", "Order question",
                     status, rng.choice(["Low", "Normal", "High", "Urgent", "-"]), via, "question",
                     created.strftime("%Y-%m-%d %H:%M:%S +0800"), created.strftime("%Y-%m-%d %H:%M:%S +0800"),
                     score, str(rng.randrange(0, 2)), str(rng.randrange(0, 5)), frt, frt, full, full])
        api.append({"id": 1000 + i, "created_at": (created - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "status": status.lower(), "priority": None, "type": "question", "assignee_id": agent or None,
                    "group_id": 42 if agent else None, "requester_id": int(rid),
                    "via": {"channel": {"Email": "email", "Chat": "chat", "Web form": "web",
                                        "Phone call (incoming)": "voice", "Facebook Private Message": "facebook"}[via],
                            "source": {"rel": None}},
                    "satisfaction_rating": {"score": score.lower()},
                    "metric_set": {"reopens": int(rows[-1][13]), "replies": int(rows[-1][14]),
                                   "reply_time_in_minutes": {"calendar": int(frt) if frt else None,
                                                             "business": int(frt) if frt else None},
                                   "full_resolution_time_in_minutes": {"calendar": int(full) if full else None,
                                                                       "business": None}}})
    with open(HERE / "zendesk_tickets.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
    with open(HERE / "zendesk_tickets.jsonl", "w", encoding="utf-8") as f:
        for t in api:
            f.write(json.dumps(t) + "\n")


def freshdesk():
    agents = ["Dana", "Eli", "Fay"]
    head = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group", "Created time",
            "Due by Time", "Resolved time", "Closed time", "Last update time", "First response time (in hrs)",
            "Agent interactions", "Customer interactions", "Survey results", "Contact ID", "Full name"]
    rows = []
    for i in range(40):
        created = when(i)
        status = rng.choice(["Open", "Pending", "Resolved", "Closed", "Resolved", "Waiting on Customer"])
        done = status in ("Resolved", "Closed")
        hours = rng.randrange(1, 360) / 60
        # Freshdesk writes hours as a decimal or as H:MM:SS depending on the export's settings.
        frt = f"{hours:.2f}" if i % 2 else f"{int(hours)}:{int(hours * 60) % 60:02d}:00"
        resolved = (created + timedelta(minutes=rng.randrange(60, 4000))).strftime("%Y-%m-%d %H:%M:%S") if done else ""
        rows.append([str(200 + i), "Where is my order", status, rng.choice(["Low", "Medium", "High", "Urgent"]),
                     rng.choice(["Email", "Portal", "Phone", "Chat"]), "Question", rng.choice(agents), "Tier 1",
                     created.strftime("%Y-%m-%d %H:%M:%S"), "", resolved, "", "", frt, str(rng.randrange(1, 6)),
                     str(rng.randrange(1, 6)), rng.choice(["Extremely happy", "Happy", "Neutral", "Unhappy", ""]),
                     str(500 + rng.randrange(0, 15)), "Some One"])
    with open(HERE / "freshdesk_tickets.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)


def chatwoot():
    agents = ["Gia", "Hal"]
    conv_head = ["id", "inbox_id", "channel", "status", "priority", "created_at", "first_reply_created_at",
                 "assignee", "team", "contact_id", "csat_rating"]
    convs, msgs = [], []
    for i in range(36):
        created = when(i)
        t0 = int((created - timedelta(hours=8)).timestamp() - datetime(1970, 1, 1).timestamp())
        status = rng.choice(["open", "resolved", "resolved", "pending", "snoozed"])
        agent = rng.choice(agents)
        reply = t0 + rng.randrange(5, 900)
        answered = rng.random() > 0.15
        convs.append([str(i + 1), "3", rng.choice(["Channel::WebWidget", "Channel::Email", "Channel::Whatsapp"]), status,
                      "", str(t0), str(reply) if answered else "0", agent, "Sales", str(700 + rng.randrange(0, 12)),
                      rng.choice(["5", "4", "3", "", ""])])
        msgs.append([str(i + 1), "incoming", "Contact", "Visitor", "false", str(t0), "Hi, where is my parcel?"])
        if answered:
            msgs.append([str(i + 1), "outgoing", "User", agent, "false", str(reply), "Let me check."])
            msgs.append([str(i + 1), "outgoing", "User", agent, "true", str(reply + 20), "internal: carrier delay"])
        if status == "resolved":
            msgs.append([str(i + 1), "activity", "", "", "false", str(reply + 60), "Conversation was marked resolved"])
    with open(HERE / "chatwoot_conversations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(conv_head)
        w.writerows(convs)
    with open(HERE / "chatwoot_messages.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["conversation_id", "message_type", "sender_type", "sender_name", "private", "created_at", "content"])
        w.writerows(msgs)


def cn_helpdesk():
    agents = ["小王", "小李", "小张"]
    head = ["会话ID", "开始时间", "渠道", "客服", "客服组", "客户ID", "咨询类型", "首次响应时长(分钟)", "解决时长(分钟)",
            "是否解决", "满意度", "是否转接"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["客服会话记录导出 2026年3月"])  # a title line above the header, as many exports have
    w.writerow(head)
    for i in range(42):
        created = when(i)
        done = rng.random() < 0.7
        stamp = f"{created.year}/{created.month}/{created.day} {created.hour}:{created.minute:02d}" if i % 3 else \
            created.strftime("%Y/%m/%d %H:%M:%S")
        w.writerow([f"CN{i:04d}", stamp, rng.choice(["在线咨询", "电话", "微信"]), rng.choice(agents), "售后组",
                    f"U{rng.randrange(0, 14):03d}", rng.choice(["物流", "退换货"]), f"{rng.randrange(1, 40) / 4:g}",
                    f"{rng.randrange(10, 900)}" if done else "", "已解决" if done else "未解决",
                    rng.choice(["非常满意", "满意", "一般", "不满意", "未评价"]), rng.choice(["是", "否"])])
    (HERE / "cn_helpdesk_gbk.csv").write_bytes(buf.getvalue().encode("gbk"))


zendesk()
freshdesk()
chatwoot()
cn_helpdesk()
