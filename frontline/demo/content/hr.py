"""HR scenarios: payroll, leave, joiners and leavers, benefits."""

from __future__ import annotations

from frontline.demo.content.base import Days, Scenario

HR = [
    Scenario(
        team="HR",
        category=("Payroll", "Payslip question"),
        title="Overtime missing from my last payslip",
        description="I worked 12 hours of overtime during the stock count, approved by my "
        "manager, but they are not on my payslip.",
        ask="Hi {first}, thanks. Could you send the dates of the overtime and who approved it?",
        answer="The 14th and 15th, approved by my team lead in the time system.",
        note="Approval was entered after the payroll cut-off (the 20th).",
        fix="The overtime was approved after the payroll cut-off, so it will be paid with "
        "next month's salary. I've flagged it so it isn't missed.",
        type="question",
        tags=("overtime",),
    ),
    Scenario(
        team="HR",
        category=("Payroll", "Salary change"),
        title="Salary change after promotion not applied",
        description="I was promoted to team lead two months ago but my salary is still the old "
        "one. My manager says the paperwork was sent.",
        ask="Hi {first}, congratulations on the promotion! I'll check with your manager which "
        "form was submitted.",
        answer="Thanks, my manager says he sent it to HR by email.",
        note="Form found in the shared HR inbox, never processed. Needs payroll correction.",
        fix="Your new salary is processed, including back pay for both months, on your next "
        "payslip. Apologies for the delay.",
        type="service_request",
        impact="low",
        urgency="medium",
        tags=("promotion",),
        escalation="Back pay over two periods needs a payroll specialist to approve.",
    ),
    Scenario(
        team="HR",
        category=("Payroll", "Expenses"),
        title="Expense claim rejected although the receipt was attached",
        description="My claim for the train tickets to the trade fair was rejected with "
        "'missing receipt', but I attached the PDF.",
        ask="Hi {first}, the PDF was a booking confirmation, not an invoice. Could you "
        "download the invoice from the rail operator's site?",
        answer="Found it, uploaded the invoice to the claim.",
        note="Invoice attached, amount matches. Resubmitted for approval.",
        fix="Your claim is approved and will be paid with the next expenses run.",
        type="question",
    ),
    Scenario(
        team="HR",
        category=("Payroll", "Payslip question"),
        title="My tax code changed on this month's payslip",
        description="My payslip shows a different tax code than last month and I pay more "
        "tax. I didn't change anything.",
        ask="Hi {first}, tax codes come from the tax office. Did you receive a letter from "
        "them recently?",
        answer="Yes, I found one from last month. It mentions a benefit in kind.",
        note="Company car benefit added by the tax office, as expected.",
        fix="The new code reflects your company car as a benefit in kind, so it is correct. "
        "Let me know if you want the calculation explained.",
        type="question",
    ),
    Scenario(
        team="HR",
        category=("Leave", "Vacation"),
        title="Vacation balance looks wrong",
        description="The portal says I have 4 days of vacation left, but I count 9. I think "
        "the days I cancelled in spring were never given back.",
        ask="Hi {first}, can you tell me the dates of the cancelled vacation?",
        answer="The week after Easter, five days.",
        note="Cancellation approved by the manager but not processed in the leave system.",
        fix="Five days are back on your balance: you now have 9 days left.",
        type="question",
        fields={"leave_days": 5},
    ),
    Scenario(
        team="HR",
        category=("Leave", "Parental leave"),
        title="Parental leave request",
        description="My partner is expecting in about two months. I'd like to take eight weeks "
        "of parental leave starting from the birth. What do I need to do?",
        ask="Hi {first}, congratulations! Please send us the expected due date and whether "
        "you want the weeks in one block or spread out.",
        answer="Due date is in about 8 weeks; one block please.",
        note="Entitlement checked: full paid leave for 9 weeks. Manager informed.",
        fix="Your parental leave is registered. You'll receive the confirmation letter by post.",
        type="service_request",
        fields={"leave_start": Days(60), "leave_days": 40},
        tags=("parental-leave",),
    ),
    Scenario(
        team="HR",
        category=("Leave", "Sick leave"),
        title="How do I report sick leave for someone in my team?",
        description="One of my team members called in sick but can't access the portal from "
        "home. Can I report it for her?",
        ask="Hi {first}, yes: managers can report sickness in the portal under Team > Absence.",
        answer="Found it, thanks. Do I need a doctor's note?",
        note="Standard question; article 'Reporting sickness as a manager' covers it.",
        fix="No note is needed for the first 7 days. I've sent you the article with all steps.",
        type="question",
    ),
    Scenario(
        team="HR",
        category=("Joiners & leavers", "New hire"),
        title="Paperwork for our new warehouse supervisor",
        description="We've hired a new warehouse supervisor for the night shift. Can you send "
        "the contract and start the onboarding?",
        ask="Hi {first}, great news. Please confirm the start date, the salary band and the "
        "hiring manager.",
        answer="Band C3, hiring manager is me. Start date as in the form.",
        note="Contract drafted, sent for signature. IT account requested separately.",
        fix="The contract is signed and onboarding is scheduled: first day starts at 9 with a "
        "safety induction.",
        type="service_request",
        fields={"start_date": Days(14), "department": "Warehouse"},
        tags=("onboarding",),
    ),
    Scenario(
        team="HR",
        category=("Joiners & leavers", "Leaver"),
        title="Leaver: final pay and equipment return",
        description="A member of my team resigned; his last day is at the end of the month. "
        "What do we need to arrange?",
        ask="Hi {first}, thanks. Has he handed in the signed resignation letter?",
        answer="Yes, it's attached to the HR file now.",
        note="Exit interview scheduled. Asked IT to collect laptop and phone on the last day.",
        fix="Final pay, holiday pay-out and the equipment return are arranged.",
        type="service_request",
        tags=("offboarding",),
    ),
    Scenario(
        team="HR",
        category=("Benefits", "Pension"),
        title="I want to increase my pension contribution",
        description="I'd like to raise my pension contribution from 5% to 8%. Is that possible "
        "mid-year?",
        ask="Hi {first}, yes. Please fill in the contribution change form in the portal.",
        answer="Done, submitted it this morning.",
        note="Form received; change takes effect from the next payroll run.",
        fix="Your contribution is 8% from next month's salary.",
        type="service_request",
    ),
    Scenario(
        team="HR",
        category=("Benefits", "Health insurance"),
        title="Add my partner to the company health insurance",
        description="We registered our partnership last month. How do I add my partner to the "
        "company health insurance?",
        ask="Hi {first}, we need a copy of the partnership registration. You can upload it here.",
        answer="Uploaded the certificate.",
        note="Forwarded to the insurer with the enrolment form.",
        fix="The insurer confirmed: your partner is covered from the 1st of next month.",
        type="service_request",
        third_party="the health insurer",
    ),
]
