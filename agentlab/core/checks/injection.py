"""A heuristic prompt-injection detector: documented rules with weights, no network, no model.

The text is read in several normalised views (``sanitize.views``: case, whitespace, confusable
letters, leetspeak, spaced-out letters, decoded base64/hex payloads) plus what sanitising
surfaced (HTML comments, invisible elements, tag characters). Each rule below is a family of
phrasings with a weight; the score is ``1 - prod(1 - weight)`` over the rules that matched (each
counted once), so two weak signals add up and one strong one is enough. A text is an injection
when its score reaches the threshold (0.5 by default).

Rules:

- ``override``: ignore / disregard / forget / bypass ... (the) previous / above / system ...
  instructions / rules / prompt — and the same family in Chinese, Spanish, French, German,
  Italian, Portuguese, Russian, Japanese and Korean (0.9);
- ``new_instructions``: "new instructions:", "from now on you", "your new task is" (0.6);
- ``role_hijack``: "you are now ...", developer / DAN / jailbreak mode, "pretend to be" (0.55);
- ``fake_delimiter``: a forged system turn (``<|im_start|>system``, ``[SYSTEM]``, ``### system``,
  "end of document" followed by instructions) (0.6);
- ``prompt_leak``: reveal / print / repeat your system prompt or instructions (0.75);
- ``exfiltration``: send / post / upload ... secrets / data / the conversation ... to a URL or an
  address (0.7);
- ``addressed_to_ai``: text that speaks to "the AI / assistant / model reading this" (0.45);
- ``secrecy``: do not tell / without informing the user (0.45);
- ``tool_directive``: call / run / use the ``x`` tool, or a ``tool_name(...)`` call (0.35);
- ``hidden_text``: instructions were hidden (HTML comment, invisible element, tag characters)
  or data was packed into an image URL (0.3, on top of what the hidden text itself scores);
- ``encoded``: a rule matched only inside a decoded base64/hex payload (0.3 extra).

Mentioned, not used: when every strong match sits inside quotes and the text talks *about*
attacks (example, attack, injection, phishing, training ...), the weights are divided by three:
a security report quoting "ignore previous instructions" is not an attack. The README lists what
these heuristics cannot catch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agentlab.core.checks.sanitize import Sanitised, sanitise, views

DEFAULT_THRESHOLD = 0.5

_VERB = (
    r"(?:ignore|ignoring|disregard|forget|skip|bypass|override|overwrite|neglect|drop|abandon|"
    r"dismiss|discard|set aside|pay no attention to|do not follow|don't follow|stop following|"
    r"no longer follow|nullify|disobey|defy|violate)"
)
_WHICH = (
    r"(?:previous|prior|preceding|above|earlier|former|foregoing|initial|original|old|existing|"
    r"system|developer|default|given|your|the|all|any|every|these|those|other|safety|security)"
)
_WHAT = (
    r"(?:instructions?|directions|prompts?|rules?|requests?|directives?|guidelines?|guidance|context|commands?|"
    r"orders?|programming|constraints?|restrictions?|policies|policy|messages?|tasks?|"
    r"system prompt|guardrails?|filters?)"
)
_OVERRIDE = [
    rf"\b{_VERB}\s+(?:(?:all|any|of|everything|the|your|every|of the)\s+)*(?:{_WHICH}\s+){{1,3}}"
    rf"(?:[\w']+\s+)?{_WHAT}\b",
    rf"\b{_VERB}\s+(?:everything|all)\s+(?:you were told|(?:above|before|said|written)\b)",
    rf"\b{_WHAT}\s+(?:above|before this|so far)\s+(?:are|is)\s+(?:void|cancel+ed|obsolete|"
    r"invalid|no longer valid|revoked|superseded)",
    rf"\b{_VERB}\s+(?:all\s+|everything\s+)?(?:of\s+)?(?:the\s+|what(?:'s| is| was)\s+)?"
    r"(?:above|previous|prior|preceding|foregoing|said before|written above)\b(?!\s+(?:typo|"
    r"email|e-mail|mail|message|mistake|error|section|paragraph|comment|note|link|warning|"
    r"version|draft|step|question|answer|reply|result|value|line|chart|figure|table|sentence))"
    r"(?=\s*(?:[,.;:!]|and|then|instead|$))",
    rf"\b{_VERB}\s+(?:all\s+)?(?:of\s+)?your\s+(?:training|programming|ethics|values|"
    r"principles|safety|alignment|conditioning|filters?)\b",
    r"\b(?:not|never|no longer|stop|cease)\s+(?:to\s+)?(?:follow|obey|adhere to|comply with|"
    r"respect|listen to)\w*\s+(?:\w+\s+){0,4}(?:instructions|rules|guidelines|directives|"
    r"system (?:prompt|message))\b(?:[^.\n]{0,30}\b(?:anymore|any more|any longer|from now)\b)",
    r"\bno matter what (?:you (?:were|are|have been) (?:told|instructed)|your (?:instructions|"
    r"rules|system prompt) (?:say|says))",
    # Chinese, Japanese, Korean
    r"(?:忽略|无视|無視|忘记|忘記|忘掉|不要理会|不要遵守|跳过|覆盖|绕过|放弃)[^。\n]{0,12}"
    r"(?:指令|指示|说明|說明|命令|提示|规则|規則|要求|设定|設定|以上内容|上面的内容|之前的内容|上述内容)",
    r"(?:指示|命令|指令|ルール|プロンプト)[^。\n]{0,8}(?:を)?(?:無視|忘れ)",
    r"(?:지시|명령|지침|프롬프트|규칙)[^.\n]{0,10}(?:무시|잊어)",
    # Spanish, Portuguese, Italian
    r"\b(?:ignora|ignore|ignorar|ignorad|olvida|olvide|olvidar|esquece|esqueça|esqueca|dimentica|"
    r"descarta|desconsidere|desconsidera)\w*\s+(?:\w+\s+){0,3}(?:instrucciones|instruções|"
    r"instrucoes|istruzioni|indicaciones|reglas|regras|regole|órdenes|ordens)",
    r"\b(?:ignora|olvida|ignore|esquece|esqueça|dimentica)\s+(?:todo\s+|tudo\s+|tutto\s+)?"
    r"(?:lo|o|quello)\s+(?:anterior|de arriba|acima|precedente|che precede)",
    r"\b(?:ignore|oublie)z?\s+tout\s+ce\s+qui\s+(?:pr[ée]c[èe]de|est au-dessus)",
    r"\b(?:ignoriere|vergiss)\s+alles\s+(?:was|bisher|vorherige|oben|davor)",
    # French
    r"\b(?:ignore|ignorez|oublie|oubliez|ne tiens pas compte|ne tenez pas compte)\w*\s+"
    r"(?:\w+\s+){0,3}(?:instructions|consignes|règles|regles|directives|ordres)",
    # German, Dutch
    r"\b(?:ignoriere|ignorieren|ignorier|vergiss|vergessen|missachte|negeer|vergeet)\w*\s+"
    r"(?:\w+\s+){0,3}\w*(?:anweisungen|anweisung|befehle|regeln|vorgaben|instructies|instructions)",
    # Russian, Ukrainian
    r"(?:игнорир|забудь|забудьте|проигнорир|не обращай|ігноруй)\w*\s+(?:\w+\s+){0,3}"
    r"(?:инструкци|указани|правил|команд|інструкці)",
]
_RULES: list[tuple[str, float, list[str]]] = [
    ("override", 0.9, _OVERRIDE),
    (
        "new_instructions",
        0.6,
        [
            r"\b(?:new|updated|real|actual|true|revised|additional|secret|hidden|important)\s+"
            r"(?:system\s+)?(?:instructions?|directives?|task|orders)\s*(?::|are|is|follow)",
            r"\bfrom now on,?\s+(?:you|your|always|only|respond|answer|act)",
            r"\bin your (?:next |final )?(?:reply|answer|response|output|summary),?\s+(?:include|"
            r"add|append|insert|embed|write|say|mention)",
            r"\b(?:updated|new|real|revised|actual) system (?:prompt|instructions|message)\b",
            r"\b(?:task|instructions?|assignment|request)\s+(?:is\s+|has been\s+|was\s+)?"
            r"(?:cancel+ed|aborted|void|over|obsolete)\b[^\n]{0,40}\binstead\b",
            r"\b(?:policies|policy|rules|restrictions|guidelines) (?:have been |were |are )?"
            r"(?:updated|lifted|removed|disabled|changed)[^.\n]{0,40}\byou (?:may|can|must|should)",
            r"\byour (?:new|real|actual|only) (?:task|goal|job|purpose|objective|instructions?) "
            r"(?:is|are|will be)",
            r"\binstead,? (?:you (?:must|will|should)|do the following|follow these)",
            r"\b(?:actually|wait|no wait|scratch that)\b[^.\n]{0,40}\b(?:forget|ignore|disregard)\b",
            r"(?:新的?指令|新任务|从现在开始|從現在開始|nuevas instrucciones|nouvelles instructions|"
            r"neue anweisungen|nuove istruzioni|novas instruções|a partir de ahora|à partir de "
            r"maintenant|ab jetzt|d'ora in poi)",
        ],
    ),
    (
        "role_hijack",
        0.55,
        [
            r"\byou are now\b(?! (?:logged|connected|signed|subscribed|registered|ready|able|"
            r"viewing|reading|on|in the))",
            r"\b(?:enable|activate|enter|switch to|turn on|now in|into)\s+(?:the\s+)?(?:developer|"
            r"dan|god|jailbreak|jailbroken|unrestricted|unfiltered|debug|admin|sudo) mode\b",
            r"\b(?:dan|god|jailbreak|jailbroken|unrestricted|unfiltered) mode\b",
            r"\b(?:act|behave|respond) as (?:if you (?:were|are) )?(?:an? )?(?:unrestricted|"
            r"unfiltered|uncensored|evil|jailbroken|different|dan\b|root|admin)",
            r"\bpretend (?:that )?(?:you are|you're|to be) (?:an? )?(?:unrestricted|different|"
            r"evil|uncensored|ai without|assistant without|dan\b|my|the system|root|admin)",
            r"\bdo anything now\b",
            r"\byou (?:have|now have) no (?:restrictions|limits|limitations|rules|filters|"
            r"guidelines)\b",
            r"\b(?:as your|i am your|i'm your)\s+(?:administrator|admin|developer|creator|owner|"
            r"operator|master|programmer)\b",
            r"\b(?:act|pretend|roleplay|role-play)\s+(?:as|to be)\s+(?:my|a|an)\s+"
            r"(?:deceased|late|dead)\b",
            r"\b(?:no|without) (?:ethical |moral |safety )?(?:restrictions|limitations|filters|"
            r"guidelines|rules) (?:apply|anymore|from now)",
            r"(?:你现在是|你現在是|扮演|现在你是|ahora eres|tu es maintenant|du bist jetzt|ora sei)",
        ],
    ),
    (
        "fake_delimiter",
        0.6,
        [
            r"<\|?(?:im_start|im_end|system|endoftext|start_header_id)\|?>",
            r"(?:^|\n)\s*(?:\[|<|#{2,}\s*)(?:system|admin|developer|assistant)(?:\s+(?:message|"
            r"prompt|override|note|instruction)s?)?\s*(?:\]|>|:)",
            r"\b(?:end of|ignore the) (?:document|context|user input|data|file|email|page)\b"
            r"[\s\S]{0,80}\b(?:instructions?|now|assistant|you must)\b",
            r"(?:^|\n)\s*system\s*(?:prompt|override|message)?\s*:",
            r"(?:^|\n|[-=*#]{3})\s*(?:system|admin|administrator|developer|security|it)\s+(?:notice|"
            r"alert|update|message|override|note|instruction|directive)s?\s*:[^\n]{0,120}\b(?:you|"
            r"assistant|ai|model)\b",
            r"(?:-{3,}|={3,}|#{3,})\s*end of [\w ]{0,20}(?:-{3,}|={3,}|#{3,})",
        ],
    ),
    (
        "prompt_leak",
        0.75,
        [
            r"\b(?:reveal|print|show|display|repeat|output|leak|dump|tell me|give me|write out|"
            r"disclose|share|recite)\s+(?:me\s+)?(?:\w+\s+){0,3}(?:system|initial|hidden|"
            r"secret|original|developer|internal)\s+(?:prompt|instructions|message|rules)",
            r"\b(?:what (?:is|are|were) your|repeat the) (?:system |initial |original )?"
            r"(?:prompt|instructions)\b(?! for)",
            r"(?:系统提示|系統提示|提示词|システムプロンプト)",
            r"\b(?:repeat|print|output|write|copy|show|echo)\b[^.\n]{0,30}\b(?:everything|all|the "
            r"(?:text|words|content|lines?|messages?))\s+(?:above|before|preceding|prior)\b",
            r"\bwhat (?:were|was) you (?:told|instructed|given)\b",
            r"\b(?:reveal|print|show|leak|dump|disclose|expose)\s+(?:me\s+)?your\s+(?:\w+\s+)?"
            r"(?:prompt|instructions)\b",
        ],
    ),
    (
        "exfiltration",
        0.7,
        [
            r"\b(?:send|post|upload|forward|exfiltrate|transmit|leak|email|mail|submit|copy|"
            r"append|include|encode|attach|fetch|visit|open|load|request|ping)\b[\s\S]{0,80}"
            r"\b(?:password|passwords|secrets?|api[ _-]?keys?|credentials?|tokens?|private|"
            r"conversation|chat history|confidential|ssh keys?|env(?:ironment)? variables|"
            r"e-?mail address(?:es)?|addresses|phone numbers|contacts|"
            r"\.env|customer data|user data|personal data|salary|the data)\b[\s\S]{0,80}"
            r"(?:https?://|www\.|\bto (?:this|the following|my|our|an external|the attacker)|"
            r"@[\w-]+\.\w+|\burl\b|\bendpoint\b|\bwebhook\b|\bserver\b)",
            r"https?://[^\s)\"']*[?&](?:\w+)=(?:\{|\$\{|%7b|<|\[)",
            r"(?:发送|發送|上传|转发)[^。\n]{0,30}(?:密码|密钥|机密|数据|凭据|令牌)",
        ],
    ),
    (
        "addressed_to_ai",
        0.5,
        [
            r"\b(?:attention|note|message|instructions?|important|hey|dear|hello)[,:]?\s+(?:to\s+)?"
            r"(?:the\s+|any\s+|all\s+)?(?:ai|llm|language model|assistant|chatbot|agent|bot|gpt|"
            r"claude|model)s?\b",
            r"\bif you are (?:an? )?(?:ai|llm|language model|assistant|chatbot|agent|bot)\b",
            r"(?:^|[\n.>!?])\s*(?:hey |hi |dear |ok |okay )?(?:ai|assistant|model|llm|chatbot|"
            r"agent|bot|gpt|claude)\s*[:,]\s*(?:please\s+)?(?:reply|respond|tell|send|call|say|"
            r"ignore|forget|include|write|answer|output|print|do|you)",
            r"\bwhoever (?:reads|is reading|processes) this\b",
            r"@(?:ai|assistant|model|llm|bot|agent|claude|gpt|chatgpt)\b",
            r"\bbefore (?:summari[sz]ing|answering|responding|replying|you (?:answer|reply|respond|"
            r"summari[sz]e))\b[^.\n]{0,60}\b(?:call|send|run|execute|fetch|visit|include|email)",
            r"\b(?:p\.?s\.?|to) (?:the |any |all )?(?:ai|llm|chatbot|assistant|agent|bot|model)s?"
            r"\s*[:,]",
            r"\b(?:ai|llm|language model|assistant|agent|bot)s? (?:reading|processing|"
            r"summari[sz]ing|parsing|seeing|that reads?) this\b",
            r"(?:致ai|给ai|人工智能助手请|ai助手|a la ia|à l'ia|an die ki|alla ia)",
        ],
    ),
    (
        "secrecy",
        0.45,
        [
            r"\b(?:do not|don't|never|without)\s+(?:tell|telling|inform|informing|mention|"
            r"mentioning|alert|alerting|notify|notifying|reveal|revealing|let)\s+(?:this\s+to\s+)?"
            r"(?:the\s+)?(?:user|human|operator|customer|anyone)",
            r"\b(?:secretly|silently|quietly|covertly)\s+(?:send|call|run|execute|forward|"
            r"upload|post|email|transfer)",
            r"(?:不要告诉|不要告訴|别告诉)(?:用户|使用者)",
        ],
    ),
    (
        "tool_directive",
        0.35,
        [
            r"\b(?:call|use|invoke|run|execute|trigger)\s+(?:the\s+)?`?\w+`?\s+(?:tool|function)"
            r"\b",
            r"\b(?:http_get|send_email|issue_refund|delete_\w+|transfer_funds|run_shell|exec|"
            r"shell|curl|wget)\s*\(",
            r"\b(?:curl|wget)\s+(?:-\w+\s+)*https?://",
        ],
    ),
    (
        "imperative_secret",
        0.5,
        [
            r"\b(?:you must|you should|you will|immediately|now)\s+(?:send|email|forward|upload|"
            r"post|transfer|delete|wire|reveal|disclose)\b",
        ],
    ),
]

#: Substrings one of which a view must contain for the rule to be worth running (a substring
#: test costs ~1 us on 1 KB, a rule's regex 100x that): most benign text runs no rule at all.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "override": (
        "disobey", "defy", "violate", "no matter", "not follow", "never follow", "stop follow",
        "not obey", "not adhere", "not comply", "not respect", "not listen", "longer follow",
        "above", "previous", "prior", "preced", "training", "programming", "lo ", "tout",
        "alles", "以上", "上面", "之前", "上述",
        "ignor", "disregard", "forget", "bypass", "overrid", "overwrit", "neglect", "aside",
        "attention", "follow", "dismiss", "discard", "abandon", "skip", "drop", "cancel", "void",
        "nullif", "erase", "clear", "obsolete", "invalid", "revoked", "supersed",
        "忽略", "无视", "無視", "忘", "不要", "跳过", "覆盖", "绕过", "放弃", "무시", "잊어", "olvid",
        "esque", "dimentic", "descart", "desconsider", "oubli", "tenez", "tiens", "vergiss",
        "vergessen", "missacht", "negeer", "vergeet", "игнор", "забуд", "обращай", "ігнор",
    ),
    "new_instructions": (
        "system prompt", "system instructions", "system message", "cancel", "abort",
        "in your", "may now", "can now", "now allowed", "now permitted", "updated", "lifted",
        "removed", "disabled", "changed",
        "instruction", "actually", "wait", "scratch", "directive", "task", "orders", "from now", "instead", "指令", "任务",
        "开始", "開始", "instrucciones", "anweisungen", "istruzioni", "instruções", "a partir",
        "ab jetzt", "d'ora",
    ),
    "role_hijack": (
        "have no", "as your", "i am your", "i'm your",
        "you are now", " mode", "act as", "behave as", "respond as", "pretend", "anything now",
        "no restrictions", "no limitations", "no filters", "no rules", "no guidelines", "without "
        "restrictions", "without limitations", "without filters", "without rules", "without "
        "guidelines", "ethical", "moral", "safety", "你现在", "你現在", "扮演",
        "现在你", "ahora eres", "tu es maintenant", "du bist jetzt", "ora sei",
    ),
    "fake_delimiter": ("<|", "system", "admin", "developer", "assistant", "end of", "ignore the"),
    "prompt_leak": ("reveal", "leak", "dump", "disclose", "expose","prompt", "instructions", "提示", "プロンプト", "above", "before", "preced",
                    "prior", "were you", "was you"),
    "exfiltration": (
        "password", "secret", "api", "credential", "token", "private", "conversation",
        "chat history", "confidential", "ssh", "env", "customer data", "user data",
        "personal data", "salary", "the data", "address", "phone numbers", "contacts", "={", "=${", "=%7b", "=<", "=[", "发送", "發送",
        "上传", "转发",
    ),
    "addressed_to_ai": ("@"," ai", "ai:", "ai,", "llm", "model", "assistant", "chatbot", "agent",
                        "bot", "gpt", "whoever", "before",
                        "claude", "ai助手", " ia", " ki"),
    "secrecy": ("tell", "inform", "mention", "alert", "notify", "reveal", "let ", "secretly",
                "silently", "quietly", "covertly", "告诉", "告訴"),
    "tool_directive": ("tool", "function", "curl", "wget", "http_get", "send_email", "refund",
                       "delete_", "transfer_funds", "run_shell", "exec", "shell"),
    "imperative_secret": ("must", "should", "will", "immediately", "now"),
}  # fmt: skip

#: A second set of substrings a view must also contain (one of), for rules that need two parts.
_ALSO: dict[str, tuple[str, ...]] = {
    "exfiltration": ("http", "www.", "@", "url", "endpoint", "webhook", "server", " to ", "发送",
                     "發送", "上传", "转发"),
    "imperative_secret": ("send", "email", "forward", "upload", "post", "transfer", "delete",
                          "wire", "reveal", "disclose"),
}  # fmt: skip

_COMPILED = [
    (name, w, re.compile("|".join(f"(?:{p})" for p in ps), re.S), _TRIGGERS[name], _ALSO.get(name))
    for name, w, ps in _RULES
]
#: Cheap words that must appear (in some view) for any rule to be worth running.
_META = re.compile(
    r"\b(?:examples?|attacks?|attackers?|injections?|phishing|training|red[- ]team|"
    r"such as|e\.g\.|for instance|malicious|adversar\w*|payloads?|detect\w*|classif\w*|"
    r"jailbreak attempts?|the string|the phrase|looks like|like this|awareness)\b",
    re.I,
)
_QUOTED = re.compile(
    r"[\"“”«»「」『』']([^\"“”«»「」『』']{4,300})[\"“”«»「」『』']|`([^`]{4,300})`"
)


@dataclass(frozen=True)
class Finding:
    """What the detector found in one text."""

    score: float
    #: The rules that matched, each with the bit of text that matched it.
    reasons: list[str] = field(default_factory=list)
    sanitised: Sanitised | None = None

    def injection(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return self.score >= threshold


def _quoted_only(text: str, matched: list[str]) -> bool:
    """Every match sits inside a quotation, and the text talks about attacks."""
    quotes = [q for m in _QUOTED.finditer(text) for q in m.groups() if q]
    if not quotes or not _META.search(_QUOTED.sub(" ", text)):
        return False
    folded = [q.casefold() for q in quotes]
    return all(any(m.casefold() in q for q in folded) for m in matched)


def scan(text: str) -> Finding:
    """Score ``text`` for prompt injection (see the module docstring for the rules)."""
    s = sanitise(text)
    texts = views(s.text) + [("hidden", v) for _, h in s.hidden for _, v in views(h)[:1]]
    found: dict[str, tuple[float, str]] = {}
    disguised: set[str] = set()
    for label, view in texts:
        for name, weight, rx, triggers, also in _COMPILED:
            if name in found or not any(t in view for t in triggers):
                continue
            if also is not None and not any(t in view for t in also):
                continue
            if (m := rx.search(view)) is not None:
                found[name] = (weight, m.group(0)[:80])
                if label in ("confusables", "leet", "spaced", "decoded"):
                    disguised.add(label)
    weights = {n: w for n, (w, _) in found.items()}
    if found and _quoted_only(s.text, [snip for _, snip in found.values()]):
        weights = {n: w / 3 for n, w in weights.items()}
    if s.hidden:
        weights["hidden_text"] = 0.3
        found["hidden_text"] = (0.3, ", ".join(sorted({k for k, _ in s.hidden})))
    if disguised:
        # Writing an instruction in disguise is itself a sign of intent.
        weights["disguised"] = 0.3
        found["disguised"] = (0.3, ", ".join(sorted(disguised)))
    keep = 1.0
    for w in weights.values():
        keep *= 1 - w
    score = round(1 - keep, 3)
    reasons = [f"{n}: {found[n][1]}" for n in weights]
    return Finding(score, reasons, s)
