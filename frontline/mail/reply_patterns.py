"""The patterns reply extraction recognises: attributions ("On … wrote:" in many languages),
forwarded and original-message markers, mail header blocks, signatures and phone sign-offs.

Kept apart from ``reply`` so that the passes there read as the algorithm, and these as the data.
"""

from __future__ import annotations

import re

_WROTE = (
    r"(?:wrote|writes|schrieb|schreibt|schreef|het\s+volgende\s+geschreven|geschreven"
    r"|a\s+[ée]crit|[ée]crit|escribe|scrive|pisze|skriver"
    r"|escribi[óo]|ha\s+scritto|scrisse|napisa[łl](?:a|\(a\))?|escreveu|skrev|kirjoitti"
    r"|написал(?:а|\(а\))?|написав|пише|写道|寫道|đã\s+viết|yazd[ıi]|έγραψε|napsal[a]?"
    r"|írta|a\s+scris)"
)
_COLON = r"[:：]"
# "… wrote:" at the end (with the common decorations): On …, Am …, Le …, El …, Op …
# "Name <addr> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:" / "… skrev Name <addr>:"
ATTR_MIDDLE_RE = re.compile(rf"(?:^|[\s>)\]\"'])(?:{_WROTE})\s.{{1,200}}{_COLON}\s*$", re.I)
ATTR_SENT_RE = re.compile(r"^\s*On\s.{3,300}\ssent\s*:\s*$", re.IGNORECASE)
# Gmail: "2014-10-17 11:28 GMT+03:00 Name <addr>:" and "2011/4/7 Name <addr>"
ATTR_DATE_RE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)"
    r"(?:.{0,200}(?:<[^<>\s]*@[^<>\s]*>|\S+@\S+)\s*:?|\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:?\d{2}.{0,200})"
    r"\s*$"
)
STRONG_START_RE = re.compile(
    r"^(?:[-*_]{2,}\s*)?(?:on|am|le|el|op|il|w\s+dniu|dnia|em|den|på|vào|dne)\s.{0,80}\d",
    re.IGNORECASE,
)
WROTE_TAIL_RE = re.compile(rf"(?:^|[\s>)\]\"'])(?:{_WROTE})\s*{_COLON}?[\s*_-]*$", re.IGNORECASE)
# plain stems of the verbs above, for a fast "could this be one?" test
_WROTE_STEMS = (
    "wrote", "writes", "schrieb", "schreibt", "schreef", "geschreven", "crit", "escrib",
    "scritto", "scrive", "scrisse", "pisze", "napisa", "escreveu", "skre", "kirjoitti",
    "написа", "пише", "写道", "寫道", "viết", "yazd", "έγραψε", "napsal", "írta", "scris",
)  # fmt: skip


_WROTE_LAST_WORDS = {
    "wrote", "writes", "schrieb", "schreibt", "schreef", "geschreven", "écrit", "ecrit",
    "escribió", "escribio", "escribe", "scritto", "scrive", "scrisse", "pisze", "napisał",
    "napisała", "napisał(a)", "napisal", "escreveu", "skrev", "skriver", "kirjoitti",
    "написал", "написала", "написал(а)", "написав", "пише", "viết", "yazdı", "yazdi",
    "έγραψε", "napsal", "napsala", "írta", "scris",
}  # fmt: skip


def ends_with_wrote(text: str) -> bool:
    """Does the text end with a "wrote" verb (before a colon or dashes)? O(1)."""
    tail = text.rstrip(" \t:：*_-")
    if tail.endswith(("写道", "寫道")):
        return True
    last = tail.rsplit(None, 1)[-1] if tail else ""
    return last.lstrip(">)]\"'").lower() in _WROTE_LAST_WORDS


def has_wrote(text: str) -> bool:
    low = text.lower()
    return any(stem in low for stem in _WROTE_STEMS)


EVIDENCE_RE = re.compile(r"\d|@|<")
ATTR_DATE_START_RE = re.compile(r"^\s*\d{4}[-/.年]")
CLOSING_WROTE_RE = re.compile(rf"^\s*>\s*(?:(?:{_WROTE})\s*)?{_COLON}\s*$", re.IGNORECASE)
# "26.06.2014, 14:41, "Name" <addr>:" (Yandex, Mail.ru and others without a verb)
ATTR_ADDRESS_END_RE = re.compile(r"^.{0,200}\d.{0,200}<[^<>\s]+@[^<>]+>\s*[:：]\s*$")
MIDLINE_ON_RE = re.compile(
    r"^(?P<pre>.*?\S)\s*(?:-{2,}\s*)?(?P<attr>On\s.{3,300}?\s(?:wrote|sent)\s*:)\s*$"
)

_ORIGINAL = (
    r"original message|reply message|original e-?mail|urspr[üu]ngliche (?:nachricht|e-mail)"
    r"|antwort nachricht|originalnachricht|oprindelig meddelelse|message d'origine"
    r"|message original|mensaje original|messaggio originale|oorspronkelijk bericht"
    r"|origineel bericht|wiadomo[śs][ćc] oryginalna|oryginalna wiadomo[śs][ćc]"
    r"|mensagem original|ursprungligt meddelande|opprinnelig melding|alkuper[äa]inen viesti"
    r"|исходное сообщение|оригинальное сообщение|原始邮件|原始郵件|元のメッセージ"
    r"|p[ůu]vodn[íi] zpr[áa]va|eredeti [üu]zenet|orijinal mesaj"
)
_FORWARDED = (
    r"forwarded message|forwarded e-?mail|begin forwarded message|weitergeleitete nachricht"
    r"|anfang der weitergeleiteten nachricht|message transf[ée]r[ée]"
    r"|d[ée]but du message r[ée]exp[ée]di[ée]|message r[ée]exp[ée]di[ée]|mensaje reenviado"
    r"|inicio del mensaje reenviado|messaggio inoltrato|inizio messaggio inoltrato"
    r"|doorgestuurd bericht|begin doorgestuurd bericht|wiadomo[śs][ćc] przekazana"
    r"|przekazana wiadomo[śs][ćc]|mensagem encaminhada|vidarebefordrat meddelande"
    r"|videresendt (?:meddelelse|melding)|v[äa]litetty viesti|пересланное сообщение"
    r"|转发的邮件|轉寄的郵件|転送されたメッセージ"
)
_DECOR = r"[\s*_=~-]*"
ORIGINAL_RE = re.compile(rf"^{_DECOR}(?:{_ORIGINAL}){_COLON}?{_DECOR}$", re.IGNORECASE)
FORWARD_RE = re.compile(rf"^{_DECOR}(?:{_FORWARDED}){_COLON}?{_DECOR}$", re.IGNORECASE)

_HEADER_KEYS = {
    "from": r"from|von|de|da|van|od|fra|fr[åa]n|l[äa]hett[äa]j[äa]|от|від|kimden|felad[óo]"
    r"|από|发件人|寄件者|差出人|送信者|보낸\s*사람|afzender|exp[ée]diteur|remitente|mittente",
    "date": r"sent|date|gesendet|datum|envoy[ée]|enviad[oa]|fecha|inviato|data|verzonden"
    r"|verstuurd|wys[łl]ano|wys[łl]ane|sendt|skickat|l[äa]hetetty|отправлено|дата|tarih"
    r"|g[öo]nderildi|发送时间|日期|傳送時間|寄件日期|送信日時|日付|날짜|odesl[áa]no|elk[üu]ldve",
    "to": r"to|an|[àa]|para|aan|do|til|till|vastaanottaja|кому|kime|c[íi]mzett|προς|收件人"
    r"|收件者|宛先|받는\s*사람|destinataire|destinatario",
    "cc": r"cc|kopie|copie\s+[àa]|copia|kopia|kopio|копия|bilgi|m[áa]solat|抄送|副本",
    "subject": r"subject|betreff|objet|asunto|oggetto|onderwerp|temat|emne|[äa]mne|aihe|тема"
    r"|konu|t[áa]rgy|θέμα|主题|主旨|件名|제목|assunto|p[řr]edm[ěe]t",
    "reply": r"reply-to|antwort an|r[ée]pondre [àa]|responder a|risposta|odpowied[źz] do",
}
HEADER_RES = {
    key: re.compile(rf"^\s*[*_]{{0,2}}\s*(?:{words})\s*[*_]{{0,2}}\s*{_COLON}", re.IGNORECASE)
    for key, words in _HEADER_KEYS.items()
}
INLINE_HEADER_RE = re.compile(
    r"(?:sent|date|subject|gesendet|datum|betreff|envoy[ée]|objet|enviado|asunto|verzonden"
    r"|onderwerp|inviato|oggetto)\s*[*_]{0,2}\s*[:：]",
    re.IGNORECASE,
)

DELIMITER_RE = re.compile(r"^\s*(?:-{2,}|_{2,}|\*{3,}|#{3,}|~{3,}|={3,}|\+{3,}|ᐧ)\s*$")
SIG_DASHES_RE = re.compile(r"^-- ?$")
DASH_NAME_RE = re.compile(r"^\s*-\s?[^\W\d_][\w.'’]*(?:\s[\w.'’]+)?\.?\s*$")
MOBILE_RE = re.compile(
    r"^\W{0,3}(?:"
    r"sent (?:from|via|with|using) (?:my )?[\w®™&'’.-]+(?:[\s,]+[\w®™&'’.-]+){0,4}"
    r"(?:[.!]?\s*(?:please )?(?:excuse|pardon) .{0,80})?"
    r"|sent from (?:\[?mail\]?|yahoo mail|outlook|mailbox|windows mail)\b.{0,120}"
    r"|get (?:\[)?outlook for (?:ios|android).{0,120}"
    r"|(?:from|sent from) my (?:iphone|ipad|android|mobile|phone|blackberry|samsung)\b.{0,40}"
    r"|envoy[ée] (?:de|depuis) (?:mon|ma) .{1,60}"
    r"|(?:von meinem|gesendet von meinem|gesendet mit|gesendet vom) .{1,60}"
    r"|diese nachricht wurde von meinem .{1,100} gesendet\.?"
    r"|enviado (?:desde|de|do) (?:mi|meu|o meu|my) .{1,60}"
    r"|inviato da(?:l mio)? .{1,60}"
    r"|(?:verzonden|verstuurd) (?:vanaf|met|van) .{1,60}"
    r"|wys[łl]an[eo] (?:z|ze) .{1,60}"
    r"|sendt fra (?:min|mi) .{1,60}|skickat fr[åa]n (?:min|mi) .{1,60}"
    r"|l[äa]hetetty .{1,60}"
    r"|отправлено (?:с|из) .{1,60}"
    r"|從我的 .{1,30}傳送|iphoneから送信|发自我的.{1,30}"
    r"|<<sent by .{1,40}>>|\(sent from .{1,40}\)"
    r")\W{0,3}$",
    re.IGNORECASE,
)
FENCE_RE = re.compile(r"^\s*(?:```|~~~)")
QUOTE_RE = re.compile(r"^\s*(?:>|[A-Za-z]{1,3}>(?:\s|$))")
LINK_ONLY_RE = re.compile(r"^\s*[(<]?https?://\S*\s*>?\s*$|^\s*\S*\)\s*>?\s*$")
