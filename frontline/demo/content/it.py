"""IT scenarios: hardware, software, accounts and access, network."""

from __future__ import annotations

from frontline.demo.content.base import Days, Scenario

IT = [
    Scenario(
        team="IT",
        category=("Hardware", "Laptop"),
        title="Laptop won't boot after last night's Windows update",
        description="My laptop restarted for updates last night and now it only shows a blue "
        "screen asking for a BitLocker recovery key. I have a client call at 11.",
        ask="Hi {first}, sorry about that. Can you read me the Key ID shown on the blue "
        "screen (the first 8 characters are enough)?",
        answer="The Key ID starts with 4F2A91C0.",
        note="Key ID 4F2A91C0 found in Intune. Recovery key read out over the phone.",
        fix="The recovery key worked and the update finished installing. If it asks again, "
        "call us straight away: it usually means the TPM needs a firmware update.",
        impact="low",
        urgency="high",
        fields={"asset_tag": "LT-04412", "os": "Windows 11"},
        tags=("windows-update", "bitlocker"),
        escalation="BitLocker keeps prompting after every reboot; TPM firmware needs L2.",
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Laptop"),
        title="Laptop battery drains within an hour",
        description="Since last week my laptop battery goes from 100% to empty in about an "
        "hour, even with only Outlook and Teams open. It also gets very hot.",
        ask="Thanks {first}. Could you run 'powercfg /batteryreport' and attach the report, "
        "or just tell me the design and full charge capacity it shows?",
        answer="Design capacity 57,000 mWh, full charge capacity 19,800 mWh.",
        note="Battery at 35% of design capacity, device is 26 months old: still under warranty.",
        fix="Ironclad replaced the battery under warranty this morning. Battery report now "
        "shows full capacity. Enjoy the rest of your day unplugged!",
        fields={"asset_tag": "LT-03987", "os": "Windows 11"},
        tags=("warranty",),
        third_party="Ironclad IT Services (warranty repair)",
        to_vendor=True,
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Laptop"),
        title="Laptop very slow since last week",
        description="Everything takes ages: opening Excel takes two minutes and Teams calls "
        "stutter. Restarting doesn't help.",
        ask="Hi {first}, I'd like to connect remotely to have a look. When suits you today?",
        answer="Any time after 2 pm works for me.",
        note="Remote session: disk 98% full (old Teams cache 41 GB) and a stuck OneDrive sync.",
        fix="I cleared the Teams cache and reset OneDrive sync; you now have 60 GB free and "
        "startup is back to normal.",
        fields={"asset_tag": "LT-05120", "os": "Windows 11"},
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Printer"),
        title="Printer on the second floor jams on every job",
        description="The big Ricoh printer next to the kitchen on floor 2 jams on every print "
        "job, tray 2 and tray 3 both. The whole floor is affected.",
        ask="Hi {first}, thanks for reporting it. Is it showing an error code on its display?",
        answer="It says SC-542 and 'Paper misfeed in tray 2'.",
        note="SC-542 is a fuser temperature fault: needs an engineer visit, not a paper issue.",
        fix="The engineer replaced the fuser unit. Printing works again from all trays.",
        impact="medium",
        urgency="medium",
        fields={"asset_tag": "PR-0207"},
        tags=("printer",),
        third_party="Ricoh field service",
        to_vendor=True,
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Printer"),
        title="Can't print shipping labels on the warehouse label printer",
        description="The Zebra label printer at dock 4 prints blank labels since this morning. "
        "We have 60 parcels waiting for pickup at 4 pm.",
        ask="Hi {first}, I'm on it. Has anyone changed the label roll or ribbon today?",
        answer="Yes, the roll was changed at 8 am by the early shift.",
        note="Probably direct-thermal labels loaded with ribbon mode on. Talked them through it.",
        fix="We switched the printer to direct thermal mode and ran a calibration; labels "
        "print fine again.",
        impact="medium",
        urgency="high",
        fields={"asset_tag": "PR-0450"},
        tags=("warehouse", "printer"),
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Monitor & peripherals"),
        title="Request: second monitor and docking station",
        description="I've moved to the planning team and work with large spreadsheets all day. "
        "Could I get a second monitor and a docking station for my desk (3.21)?",
        ask="Hi {first}, happy to help. Your manager's approval is needed for new equipment: "
        "could you ask them to reply here to confirm?",
        answer="My manager approved it by email, I've forwarded it to the IT mailbox.",
        note="Approval received. Stock: 3 Dell P2423 monitors and 2 WD19 docks in the store room.",
        fix="The monitor and dock are installed at desk 3.21. Have fun with the extra space!",
        type="service_request",
        fields={"asset_tag": "LT-04877"},
    ),
    Scenario(
        team="IT",
        category=("Hardware", "Mobile phone"),
        title="Company phone screen cracked",
        description="I dropped my company iPhone this morning and the screen is cracked. It "
        "still works, but the touch screen is unreliable in the bottom corner.",
        ask="Hi {first}, sorry to hear that. Please back it up to iCloud; we'll swap it for a "
        "loan phone while it is repaired. Can you come by the IT desk tomorrow?",
        answer="Backup done, I'll come by at 10.",
        note="Loan phone MP-0091 issued. Repair order sent to the phone vendor.",
        fix="Your repaired phone is back at the IT desk; bring the loan phone when you pick it up.",
        fields={"asset_tag": "MP-0233", "os": "iOS"},
        third_party="the phone repair shop",
    ),
    Scenario(
        team="IT",
        category=("Software", "Email & calendar"),
        title="Outlook keeps asking for my password",
        description="Outlook asks me for my password every few minutes since this morning. I "
        "type it in and it works for a while, then it asks again.",
        ask="Hi {first}, did you change your password recently, or get a new phone?",
        answer="I changed my password yesterday, yes.",
        note="Stale credentials in Windows Credential Manager from before the password change.",
        fix="I removed the old saved credentials and signed you in again. Outlook should stop "
        "asking now.",
        impact="low",
        urgency="medium",
        fields={"os": "Windows 11"},
        tags=("outlook",),
    ),
    Scenario(
        team="IT",
        category=("Software", "Email & calendar"),
        title="Shared mailbox for the sales team",
        description="We'd like a shared mailbox sales-orders@ that the six people in inside "
        "sales can read and send from. Can you set that up?",
        ask="Hi {first}, sure. Please list the people who need access and who owns the mailbox.",
        answer="Owner: me. Members: the whole inside sales team, list attached to the email.",
        note="Created in Exchange admin, send-as granted to the group 'Inside Sales'.",
        fix="The shared mailbox is live and will appear in everyone's Outlook within an hour.",
        type="service_request",
    ),
    Scenario(
        team="IT",
        category=("Software", "Email & calendar"),
        title="Meeting invites arrive an hour late",
        description="Invites that colleagues send me show up an hour or more after they were "
        "sent. I missed a meeting today because of it.",
        ask="Hi {first}, could you forward me one of the late invites as an attachment, so I "
        "can read the message headers?",
        answer="Forwarded two of them just now.",
        note="Headers show a 70-minute delay at the mail filter: needs the Exchange admins.",
        fix="A transport rule was sending calendar items through an extra scan. It's fixed; "
        "invites now arrive within seconds.",
        impact="medium",
        urgency="medium",
        tags=("email-delay",),
        escalation="Delay is in the mail filter's transport rules; L1 has no access there.",
    ),
    Scenario(
        team="IT",
        category=("Software", "Office apps"),
        title="Excel crashes when opening the monthly stock report",
        description="Excel closes without any error when I open StockReport_Monthly.xlsx. Other "
        "files open fine. I need to send the report to the board tomorrow.",
        ask="Hi {first}, does it also crash when you open Excel in safe mode (hold Ctrl while "
        "starting it) and then open the file?",
        answer="In safe mode it opens, but the charts are missing.",
        note="Crash dump points to the PowerPivot add-in: reproduces on a clean profile too.",
        fix="An update of the reporting add-in fixed the crash. The report opens with charts "
        "again. Sorry for the trouble before your board deadline.",
        impact="medium",
        urgency="high",
        fields={"os": "Windows 11"},
        tags=("excel",),
        escalation="Crash is in an add-in, not the workbook; needs application packaging (L2).",
    ),
    Scenario(
        team="IT",
        category=("Software", "Office apps"),
        title="Request: Visio licence",
        description="I need Visio to draw the new warehouse layout. Can I get a licence?",
        ask="Hi {first}, Visio licences are charged to your cost centre. Which one should we use?",
        answer="Cost centre 4410, Operations.",
        note="Licence assigned from the pool (7 left).",
        fix="Visio is assigned to your account; sign out of Office and back in to see it.",
        type="service_request",
        fields={"os": "Windows 11"},
    ),
    Scenario(
        team="IT",
        category=("Software", "Office apps"),
        title="How do I share a Teams recording with someone outside the company?",
        description="I recorded a training session in Teams and want to share it with our "
        "external trainer. The share button is greyed out.",
        ask="Hi {first}, recordings are stored in OneDrive. Is the trainer's address a guest in "
        "our tenant already?",
        answer="No, she's never been invited.",
        note="External sharing for recordings is allowed only with guests: sent how-to link.",
        fix="Open the recording in OneDrive, choose Share, and enter the trainer's email: she "
        "gets a one-time code. I've also added this to the knowledge base.",
        type="question",
    ),
    Scenario(
        team="IT",
        category=("Software", "Business applications"),
        title="ERP: invoice posting fails with error 4031",
        description="Nobody in finance can post invoices in the ERP since 9:10. The error is "
        "'4031: period lock violation'. Month end closes tomorrow.",
        ask="Hi {first}, we're on it and treating this as critical. Does it fail for every "
        "company code or only for one?",
        answer="Every company code, and for all six of us.",
        note="Period lock table was updated by last night's batch job with the wrong year.",
        fix="The period lock was corrected and the failed postings were re-run. Please check "
        "that your invoices are posted; the batch job is fixed too.",
        impact="high",
        urgency="high",
        tags=("erp", "month-end"),
        escalation="All finance users affected, batch job involved: needs the ERP specialist.",
    ),
    Scenario(
        team="IT",
        category=("Software", "Business applications"),
        title="Access to the CRM reporting module",
        description="I'd like access to the reporting module of the CRM to build the quarterly "
        "pipeline overview.",
        ask="Hi {first}, the reporting module needs the data owner's approval. I've asked "
        "them; I'll update you as soon as they answer.",
        answer="Thanks, let me know if you need anything from me.",
        note="Data owner (Head of Sales) approved in the access request tool.",
        fix="You now have the 'Reporting – read' role in the CRM.",
        type="service_request",
    ),
    Scenario(
        team="IT",
        category=("Software", "Business applications"),
        title="Barcode scanners can't sync with the warehouse system",
        description="The handheld scanners in hall B show 'sync failed' since the night shift. "
        "Pickers have to write everything down on paper.",
        ask="Hi {first}, can you check whether the scanners are connected to the FAB-WMS Wi-Fi?",
        answer="They show connected to Wi-Fi, but still 'sync failed'.",
        note="WMS API certificate expired at 02:00. Renewal needs the vendor portal.",
        fix="The certificate is renewed and all scanners synced their backlog.",
        impact="high",
        urgency="medium",
        tags=("warehouse", "certificate"),
        escalation="Expired certificate on the WMS integration: L1 can't renew it.",
    ),
    Scenario(
        team="IT",
        category=("Accounts & access", "Password & MFA"),
        title="Locked out after changing my password",
        description="I changed my password this morning and now my account is locked. I can't "
        "log in to anything.",
        ask="Hi {first}, I've unlocked your account. Your phone probably still tries the old "
        "password: please update it in the mail app too.",
        answer="Updated it on my phone, thanks.",
        note="Lockout source: ActiveSync on the requester's phone.",
        fix="Everything is unlocked and your phone uses the new password; you're all set.",
        urgency="high",
        tags=("lockout",),
    ),
    Scenario(
        team="IT",
        category=("Accounts & access", "Password & MFA"),
        title="New phone: need to move my authenticator app",
        description="I got a new phone and wiped the old one before moving Microsoft "
        "Authenticator. Now I can't approve sign-ins.",
        ask="Hi {first}, I can issue a temporary access pass. Please call the desk so I can "
        "verify your identity first.",
        answer="Called just now, spoke with the desk.",
        note="Identity verified by call-back to the number in HR records. TAP issued for 8 h.",
        fix="Your new phone is registered for MFA and the old one is removed.",
        urgency="high",
        tags=("mfa",),
    ),
    Scenario(
        team="IT",
        category=("Accounts & access", "Password & MFA"),
        title="Password expired while I was on holiday",
        description="I'm back from three weeks off and my password has expired. The web portal "
        "won't let me change it.",
        ask="Hi {first}, I'll send a one-time reset link to your mobile number on file.",
        answer="Got the text, password changed.",
        note="Reset link sent by SMS after a call-back check.",
        fix="Welcome back! Your account is active again.",
        urgency="medium",
    ),
    Scenario(
        team="IT",
        category=("Accounts & access", "New account"),
        title="New starter: account and laptop for Jana Novak",
        description="Jana Novak starts as a buyer in our purchasing team. She needs an account, "
        "a laptop, email and access to the purchasing share.",
        ask="Hi {first}, thanks for the notice. Should Jana get the standard office laptop or "
        "the engineering model?",
        answer="The standard one is fine.",
        note="Account created, laptop LT-05231 imaged and enrolled, share access via group.",
        fix="Jana's account, mailbox and laptop are ready; the welcome pack with her first "
        "password is with reception.",
        type="service_request",
        fields={"start_date": Days(10)},
        tags=("onboarding",),
    ),
    Scenario(
        team="IT",
        category=("Accounts & access", "Shared folders"),
        title="Access to the Finance shared drive",
        description="I've joined the finance controlling team and need read/write access to "
        "the Finance shared drive (F:).",
        ask="Hi {first}, the folder owner must approve this. I've sent them the request.",
        answer="Thanks!",
        note="Approved by the folder owner. Added to FS-Finance-RW.",
        fix="You have access now; sign out and in again to see the F: drive.",
        type="service_request",
    ),
    Scenario(
        team="IT",
        category=("Network", "Wi-Fi"),
        title="Wi-Fi keeps dropping in the meeting rooms on floor 3",
        description="In all meeting rooms on floor 3 the Wi-Fi drops every few minutes, which "
        "breaks every Teams call. The open office on the same floor seems fine.",
        ask="Hi {first}, thanks. Roughly how many people are in the rooms when it happens?",
        answer="Usually 10 to 20 across the rooms, it's worst at 10 am.",
        note="Access point AP-3-07 reboots under load; controller logs show a firmware crash.",
        fix="The access points on floor 3 got new firmware and one was replaced. Calls should "
        "be stable now; let us know if it drops again.",
        impact="medium",
        urgency="medium",
        fields={"affected_users": 25},
        tags=("wifi",),
        escalation="Access point crashes under load: needs the network team (L2).",
    ),
    Scenario(
        team="IT",
        category=("Network", "VPN"),
        title="VPN disconnects every few minutes when working from home",
        description="Since yesterday my VPN drops every 5 minutes when I work from home. My "
        "home internet itself is stable.",
        ask="Hi {first}, which VPN client version do you have (Help > About)?",
        answer="It says 5.2.1.",
        note="Client 5.2.1 has a known keep-alive bug; 5.3.0 is in Company Portal.",
        fix="Please install version 5.3.0 from Company Portal; it fixes the disconnects.",
        urgency="medium",
        fields={"affected_users": 1},
        tags=("vpn",),
    ),
    Scenario(
        team="IT",
        category=("Network", "Internet outage"),
        title="No internet at the depot",
        description="The whole depot has no internet since 7:40. Phones and scanners are down "
        "as well, trucks can't be dispatched.",
        ask="Hi {first}, we see the site offline in monitoring. Are the lights on the grey "
        "router in the server cupboard green or red?",
        answer="The WAN light is red, the others are green.",
        note="Line down at provider side. Provider ticket opened, ETA 2 hours.",
        fix="The provider repaired a damaged cable near the site; the line is back and all "
        "systems reconnected. We'll discuss a backup 4G line with your site manager.",
        impact="high",
        urgency="high",
        fields={"affected_users": 40},
        tags=("outage",),
        third_party="the internet provider",
    ),
]
