/*
 * agent.h - user agents: which kind of software sent a request.
 *
 * Classes (docs/ANALYSIS.md, "User agents"):
 *   undefined    no User-Agent header at all (61% of the study's calls)
 *   empty        the header with nothing in it
 *   random       a machine-generated string that never repeats (IDS
 *                evasion: a fresh 20-character alphanumeric string per request)
 *   attack-tool  friendly-scanner (SIPVicious), sipcli, sundayddr, iWar, ...
 *   sdk          VaxSIPUserAgent, PortSIP VoIP SDK, ...
 *   server       Asterisk PBX, FPBX-, FreeSWITCH, ...
 *   softphone    X-Lite, Zoiper, Linphone, MicroSIP, Bria, Ekiga, ...
 *   phone        hardware phones and adapters (Yealink, Grandstream, ...)
 *   other        anything else
 * Signatures come from a file (data/agents.tsv): "<regex>\t<class>\t<tool>",
 * POSIX extended regular expressions matched case-insensitively anywhere in
 * the string, the first matching line wins.
 *
 * Memory: an ag_db owns its signatures; names returned point into it (or
 * are static) and live as long as it. ag_seen owns copies of the strings.
 */
#ifndef SIPSNARE_AGENT_H
#define SIPSNARE_AGENT_H

#include <stddef.h>

#include "analyze/model.h"

typedef enum {
    AG_UNDEFINED = 0, AG_EMPTY, AG_RANDOM, AG_ATTACK_TOOL, AG_SDK, AG_SERVER,
    AG_SOFTPHONE, AG_PHONE, AG_OTHER, AG_CLASS_COUNT
} ag_class;

const char *ag_class_name(ag_class c);
/* "attack-tool" -> AG_ATTACK_TOOL; -1 when unknown. */
int ag_class_from_name(const char *name);

typedef struct ag_db ag_db;

/* Loads a signature file; NULL with a message in err. */
ag_db *ag_db_load(const char *path, char *err, size_t errlen);
/* Finds data/agents.tsv: $SIPSNARE_DATADIR/agents.tsv, ./data/agents.tsv,
 * next to the program (../data, ../../data), /usr/local/share/sipsnare,
 * /usr/share/sipsnare. */
ag_db *ag_db_load_default(char *err, size_t errlen);
void ag_db_free(ag_db *db);
size_t ag_db_size(const ag_db *db);

typedef struct {
    ag_class cls;
    const char *tool;     /* tool or product name ("SIPVicious", "Zoiper"), or "" */
} ag_match;

/* Whether a string looks machine-generated: 12-64 characters, letters and
 * digits only, frequent switches between lower case, upper case and digits
 * (more of them when there is no digit), and high character entropy
 * (thresholds in agent.c and docs/ANALYSIS.md). "X-Lite release 1006e stamp 34025" and
 * "Zoiper rev.11137" do not. */
int ag_looks_random(const char *ua);

/* Class of one User-Agent value (NULL = header absent) on its own. */
ag_class ag_classify(const ag_db *db, const char *ua, ag_match *out);

/* How often each User-Agent value occurs in a data set, to tell a random
 * string (seen once) from a custom tool's fixed name that merely looks
 * random (seen again and again). Bounded: at most max_entries distinct
 * strings are counted; later new strings count as seen once. */
typedef struct ag_seen ag_seen;
ag_seen *ag_seen_new(size_t max_entries);
void ag_seen_free(ag_seen *s);
void ag_seen_add(ag_seen *s, const char *ua);
unsigned long ag_seen_count(const ag_seen *s, const char *ua);

/* ag_classify, then: a random-looking string seen more than
 * AG_RANDOM_MAX_REPEAT times is "other" (a fixed name), not "random". */
#define AG_RANDOM_MAX_REPEAT 2
ag_class ag_classify_seen(const ag_db *db, const ag_seen *seen, const char *ua, ag_match *out);

/* ---- SIPVicious beyond its agent string (/work/shared PERSONA.md 4.1-4.4) ---- */

enum {
    SV_AGENT = 1 << 0,        /* User-Agent friendly-scanner / sipvicious */
    SV_FROM_USER = 1 << 1,    /* From or To user "sipvicious" (svmap) */
    SV_TAG = 1 << 2,          /* From tag = hex(text "\x01" random decimal) */
    SV_BRANCH = 1 << 3,       /* Via branch z9hG4bK-<decimal> */
    SV_CONTACT = 1 << 4,      /* Contact None / 1.1.1.1 / sip:123@... (svcrack) */
    SV_FIXED_TAG = 1 << 5,    /* svcrack's fixed From tag 3206210844 */
};

typedef enum { SV_TOOL_UNKNOWN = 0, SV_TOOL_SVMAP, SV_TOOL_SVWAR, SV_TOOL_SVCRACK } sv_tool;

typedef struct {
    unsigned evidence;        /* SV_* bits found */
    sv_tool tool;             /* which SIPVicious tool, when the tag tells */
    char tag_text[128];       /* decoded From tag before "\x01": "7f0000013ad4",
                                 "1000", "100:1234" */
    char target[64];          /* svmap: "127.0.0.1:15060" from the tag */
    char user[64], password[64];   /* svcrack: the guess */
} sv_info;

/* Decodes a SIPVicious From tag: hex of "<text>\x01<decimal>". Returns the
 * length of text, or -1 when it is not one. */
int sv_decode_tag(const char *tag, char *text, size_t textlen);

/* SIPVicious evidence in one request; returns the SV_* bits. Two or more
 * bits (or SV_TAG alone) make a confident match. */
unsigned sv_inspect(const an_event *ev, sv_info *out);

#endif
