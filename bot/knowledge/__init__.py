"""The knowledge layer: `knowledge/` (YAML) read into frozen dataclasses, every problem `file:line`.

One job per module, in the order a load goes through them:

    yamlfile       YAML with the line of every key and item; duplicate keys reported
    parse_cache    parsed files kept on disk by content hash (a restart skips the parsing)
    problems       Problem (path, line, message, severity) and the did-you-mean wording
    accessors      FileCtx: typed reads (text, number, id, list) from one file, recording problems
    schema         the keys of every file kind (reason, step, option, topic, messages, negatives,
                   matching, each overlay kind); matching.yaml's list checks
    policy         policy.yaml's schema as typed dataclasses: bounds and the one default of each
                   number (MatchingSettings is the matcher's numbers)
    policy_reader  reads policy.yaml with those declarations
    steps, graph   a reason's steps as written; the graph checks (targets, reachability, ends)
    entries        reasons and topics: files read, then built once every id is known
    readers        negatives.yaml, messages.yaml, matching.yaml
    overlay, merge i18n/<lang>/ read and checked against the base, then merged into it
    loader         assembles the KnowledgeBase (`collect`, `load_knowledge`)
    model          the dataclasses: KnowledgeBase, Reason, Step, Topic, Text, Phrasing, Source
    contract       what the code expects of messages.yaml: keys, placeholders, plural counts
    render         dates, numbers and plural forms per language (Babel)
    coverage       per-language coverage of texts and examples, for `validate`

Checks that need other layers (button sizes, the matcher's example checks) are passed to the
loader by `bot.app.knowledge`, which the bot and `validate` both load through.
"""
