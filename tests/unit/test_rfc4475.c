/*
 * test_rfc4475.c - every message of the RFC 4475 torture-test archive
 * (tests/data/rfc4475/, manifest MANIFEST.tsv), with the parse-level verdict
 * sipsnare gives it, one line of reason each, and the fields it extracts.
 *
 * Verdicts: PARSE = parsed, with exactly these SIP_WARN_* bits; INVALID =
 * SIP_PARSE_INVALID with this reason. Every message the manifest calls
 * "invalid" is either INVALID or carries a specific warning bit; every
 * "valid" one parses with the right fields. Each message is also parsed as
 * a stream (S_SAME: same message length; S_NEED: NEED_MORE; S_INVALID;
 * S_HDRONLY: no Content-Length, so a stream takes no body).
 */
#include "test_sip_util.h"

enum verdict { PARSE, INVALID };
enum stream_exp { S_SAME, S_NEED, S_INVALID, S_HDRONLY };

struct rfc_case {
    const char *name;
    enum verdict verdict;
    unsigned warnings;
    const char *error;
    enum stream_exp stream;
    const char *why;
    /* fields of a parsed message (NULL: absent) */
    const char *method;
    unsigned status;
    const char *ruri_user, *ruri_host;
    const char *ruri_raw;   /* checked instead of user/host when BAD_RURI */
    const char *from_user, *from_tag, *to_user, *to_tag, *call_id;
    long long cseq;         /* -1: cseq_ok is false */
    const char *cseq_method;
    unsigned n_via;
    const char *via0_branch;
    unsigned n_contact;
    long long content_length, body_len;
};

static const struct rfc_case cases[] = {
    {"badaspec", PARSE, SIP_WARN_BAD_TO, NULL, S_SAME,
     "invalid: spaces inside <...> of To -> BAD_TO",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.org",
     .from_user="a.g.bell", .from_tag="433423", .to_user=NULL, .to_tag=NULL,
     .call_id="badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3", .cseq=3923239, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdju43234", .n_contact=0, .content_length=0, .body_len=0},
    {"badbranch", PARSE, 0, NULL, S_SAME,
     "parse-ok: branch is just the magic cookie; transaction logic decides",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="33242", .to_user="user", .to_tag=NULL,
     .call_id="badbranch.sadonfo23i420jv0as0derf3j3n", .cseq=8, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bK", .n_contact=0, .content_length=0, .body_len=0},
    {"baddate", PARSE, SIP_WARN_BAD_DATE, NULL, S_SAME,
     "invalid: Date not in GMT -> BAD_DATE (Date is not used otherwise)",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="2234923", .to_user="user", .to_tag=NULL,
     .call_id="baddate.239423mnsadf3j23lj42--sedfnm234", .cseq=1392934, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=150, .body_len=150},
    {"baddn", PARSE, SIP_WARN_BAD_FROM | SIP_WARN_BAD_TO | SIP_WARN_UNTERMINATED, NULL, S_NEED,
     "invalid: unquoted display names with , -> BAD_FROM, BAD_TO; archive lacks the empty line -> UNTERMINATED (NEED_MORE on a stream)",
     .method="OPTIONS", .status=0, .ruri_user="t.watson", .ruri_host="example.org",
     .from_user=NULL, .from_tag=NULL, .to_user=NULL, .to_tag=NULL,
     .call_id="baddn.31415@c.example.com", .cseq=3923239, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"badinv01", PARSE, SIP_WARN_BAD_VIA | SIP_WARN_BAD_CONTACT, NULL, S_SAME,
     "invalid: empty Via and Contact elements (;;,;,, and ;;;;) -> BAD_VIA, BAD_CONTACT",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="134161461246", .to_user="j.user", .to_tag=NULL,
     .call_id="badinv01.0ha0isndaksdjasdf3234nas", .cseq=8, .cseq_method="INVITE", .n_via=0, .via0_branch=NULL, .n_contact=1, .content_length=152, .body_len=152},
    {"badvers", PARSE, SIP_WARN_BAD_VERSION, NULL, S_SAME,
     "invalid: SIP/7.0 -> BAD_VERSION (a UAS answers 505)",
     .method="OPTIONS", .status=0, .ruri_user="t.watson", .ruri_host="example.org",
     .from_user="a.g.bell", .from_tag="qweoiqpe", .to_user="t.watson", .to_tag=NULL,
     .call_id="badvers.31417@c.example.com", .cseq=1, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"bcast", PARSE, 0, NULL, S_SAME,
     "valid: a Via to 255.255.255.255 parses (the caller must not route to it)",
     .method=NULL, .status=200, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="user", .from_tag="11141343", .to_user="user", .to_tag="2229",
     .call_id="bcast.0384840201234ksdfak3j2erwedfsASdf", .cseq=35, .cseq_method="INVITE", .n_via=2, .via0_branch="z9hG4bK1324923", .n_contact=1, .content_length=154, .body_len=154},
    {"bext01", PARSE, 0, NULL, S_SAME,
     "valid: Require/Proxy-Require kept for the caller (420)",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="242etr", .to_user="j_user", .to_tag=NULL,
     .call_id="bext01.0ha0isndaksdj", .cseq=8, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"bigcode", INVALID, 0, "bad status code", S_INVALID,
     "invalid: status code 4294967301 is not 3 digits: INVALID", .method = NULL},
    {"clerr", INVALID, 0, "Content-Length larger than the datagram", S_NEED,
     "invalid: Content-Length 9999 > datagram: INVALID on UDP, NEED_MORE on a stream", .method = NULL},
    {"cparam01", PARSE, 0, NULL, S_SAME,
     "valid: ;unknownparam after an addr-spec is a header param",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="watson", .from_tag="DkfVgjkrtMwaerKKpe", .to_user="watson", .to_tag=NULL,
     .call_id="cparam01.70710@saturn.example.com", .cseq=2, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=0, .body_len=0},
    {"cparam02", PARSE, 0, NULL, S_SAME,
     "valid: ;unknownparam inside <> is a URI param",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="watson", .from_tag="838293", .to_user="watson", .to_tag=NULL,
     .call_id="cparam02.70710@saturn.example.com", .cseq=3, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=0, .body_len=0},
    {"dblreq", PARSE, SIP_WARN_TRAILING_BYTES, NULL, S_SAME,
     "valid: UDP, the REGISTER with Content-Length 0; the INVITE after it is trailing bytes",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="j.user", .from_tag="43251j3j324", .to_user="j.user", .to_tag=NULL,
     .call_id="dblreq.0ha0isndaksdj99sdfafnl3lk233412", .cseq=8, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw23492", .n_contact=1, .content_length=0, .body_len=0},
    {"esc01", PARSE, 0, NULL, S_SAME,
     "valid: escapes kept raw in user parts and URI params",
     .method="INVITE", .status=0, .ruri_user="sips%3Auser%40example.com", .ruri_host="example.net",
     .from_user="I%20have%20spaces", .from_tag="938", .to_user="%75se%72", .to_tag=NULL,
     .call_id="esc01.239409asdfakjkn23onasd0-3234", .cseq=234234, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=150, .body_len=150},
    {"esc02", PARSE, 0, NULL, S_SAME,
     "valid: RE%47IST%45R is an extension method, C%6Fntact an unknown header: 2 Contacts",
     .method="RE%47IST%45R", .status=0, .ruri_user=NULL, .ruri_host="registrar.example.com",
     .from_user="resource", .from_tag="f232jadfj23", .to_user="resource", .to_tag=NULL,
     .call_id="esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", .cseq=29344, .cseq_method="RE%47IST%45R", .n_via=1, .via0_branch="z9hG4bK209%fzsnel234", .n_contact=2, .content_length=0, .body_len=0},
    {"escnull", PARSE, 0, NULL, S_SAME,
     "valid: %00 in user parts does not truncate (2 distinct Contacts)",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="null-%00-null", .from_tag="839923423", .to_user="null-%00-null", .to_tag=NULL,
     .call_id="escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", .cseq=14398234, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=2, .content_length=0, .body_len=0},
    {"escruri", PARSE, SIP_WARN_RURI_HEADERS, NULL, S_SAME,
     "invalid: escaped headers in the Request-URI -> RURI_HEADERS (never turned into headers)",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="341518", .to_user="user", .to_tag=NULL,
     .call_id="escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5", .cseq=149209342, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=150, .body_len=150},
    {"insuf", PARSE, SIP_WARN_MISSING_HEADER, NULL, S_SAME,
     "parse-ok/semantic-invalid: no Call-ID, From, To -> MISSING_HEADER",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user=NULL, .from_tag=NULL, .to_user=NULL, .to_tag=NULL,
     .call_id=NULL, .cseq=193942, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdj.insuf", .n_contact=0, .content_length=152, .body_len=152},
    {"intmeth", PARSE, 0, NULL, S_SAME,
     "valid: every token character in the method, user, password, tag, Call-ID",
     .method="!interesting-Method0123456789_*+`.%indeed'~", .status=0, .ruri_user="1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/", .ruri_host="example.com",
     .from_user="mundane", .from_tag="_token~1'+`*%!-.", .to_user="1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/", .to_tag=NULL,
     .call_id="intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", .cseq=139122385, .cseq_method="!interesting-Method0123456789_*+`.%indeed'~", .n_via=1, .via0_branch="z9hG4bK-.!%66*_+`'~", .n_contact=0, .content_length=0, .body_len=0},
    {"inv2543", PARSE, SIP_WARN_NO_CONTENT_LENGTH, NULL, S_HDRONLY,
     "valid(2543): no Content-Length: body to datagram end -> NO_CONTENT_LENGTH; a stream takes 0",
     .method="INVITE", .status=0, .ruri_user="UserB", .ruri_host="example.com",
     .from_user="+13035551111", .from_tag=NULL, .to_user="+16505552222", .to_tag=NULL,
     .call_id="inv2543.1717@ift.client.example.com", .cseq=56, .cseq_method="INVITE", .n_via=1, .via0_branch=NULL, .n_contact=0, .content_length=-1, .body_len=105},
    {"invut", PARSE, 0, NULL, S_SAME,
     "valid: unknown Content-Type kept",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="8392034", .to_user="j.user", .to_tag=NULL,
     .call_id="invut.0ha0isndaksdjadsfij34n23d", .cseq=235448, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=40, .body_len=40},
    {"longreq", PARSE, SIP_WARN_TRUNCATED, NULL, S_SAME,
     "valid: long values; 34 Vias, SIP_MAX_VIAS kept and TRUNCATED",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallername", .from_tag="12982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982424", .to_user="user", .to_tag=NULL,
     .call_id="longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallylongcallid", .cseq=3882340, .cseq_method="INVITE", .n_via=16, .via0_branch=NULL, .n_contact=1, .content_length=150, .body_len=150},
    {"ltgtruri", PARSE, SIP_WARN_BAD_RURI, NULL, S_SAME,
     "invalid: <> around the Request-URI -> BAD_RURI (ruri_raw kept)",
     .method="INVITE", .status=0, .ruri_raw="<sip:user@example.com>",
     .from_user="caller", .from_tag="39291", .to_user="user", .to_tag=NULL,
     .call_id="ltgtruri.1@192.0.2.5", .cseq=1, .cseq_method="INVITE", .n_via=1, .via0_branch=NULL, .n_contact=1, .content_length=159, .body_len=159},
    {"lwsdisp", PARSE, 0, NULL, S_SAME,
     "valid*: no LWS between display name and <, accepted (RFC 4475 3.1.1.6)",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="323", .to_user="user", .to_tag=NULL,
     .call_id="lwsdisp.1234abcd@funky.example.com", .cseq=60, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"lwsruri", PARSE, SIP_WARN_BAD_RURI, NULL, S_SAME,
     "invalid: LWS inside the Request-URI -> BAD_RURI",
     .method="INVITE", .status=0, .ruri_raw="sip:user@example.com; lr",
     .from_user="caller", .from_tag="231413434", .to_user="user", .to_tag="3xfe-9921883-z9f",
     .call_id="lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423", .cseq=2130706432, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw2395", .n_contact=1, .content_length=159, .body_len=159},
    {"lwsstart", PARSE, SIP_WARN_LIBERAL_START, NULL, S_SAME,
     "invalid: several SP between start-line elements, accepted -> LIBERAL_START",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="8814", .to_user="user", .to_tag=NULL,
     .call_id="lwsstart.dfknq234oi243099adsdfnawe3@example.com", .cseq=1893884, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw3923", .n_contact=1, .content_length=150, .body_len=150},
    {"mcl01", INVALID, 0, "conflicting Content-Length values", S_INVALID,
     "invalid: two different Content-Length values: INVALID (framing)", .method = NULL},
    {"mismatch01", PARSE, SIP_WARN_CSEQ_MISMATCH, NULL, S_SAME,
     "invalid: OPTIONS with CSeq INVITE -> CSEQ_MISMATCH",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="34525", .to_user="j.user", .to_tag=NULL,
     .call_id="mismatch01.dj0234sxdfl3", .cseq=8, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"mismatch02", PARSE, SIP_WARN_CSEQ_MISMATCH, NULL, S_SAME,
     "invalid: NEWMETHOD with CSeq INVITE -> CSEQ_MISMATCH",
     .method="NEWMETHOD", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="34525", .to_user="j.user", .to_tag=NULL,
     .call_id="mismatch02.dj0234sxdfl3", .cseq=8, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=138, .body_len=138},
    {"mpart01", PARSE, 0, NULL, S_SAME,
     "valid: binary body with NULs framed by Content-Length",
     .method="MESSAGE", .status=0, .ruri_user="kumiko", .ruri_host="example.org",
     .from_user="fluffy", .from_tag="2fb0dcc9", .to_user="kumiko", .to_tag=NULL,
     .call_id="3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", .cseq=1, .cseq_method="MESSAGE", .n_via=1, .via0_branch="z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", .n_contact=1, .content_length=553, .body_len=553},
    {"multi01", PARSE, SIP_WARN_DUP_SINGLETON, NULL, S_SAME,
     "parse-ok/semantic-invalid: repeated Call-ID/To/From/CSeq/Max-Forwards -> DUP_SINGLETON, first kept",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="company.com",
     .from_user="caller", .from_tag="3413415", .to_user="user", .to_tag=NULL,
     .call_id="multi01.98asdh@192.0.2.1", .cseq=5, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=2, .content_length=154, .body_len=154},
    {"ncl", INVALID, 0, "bad Content-Length", S_INVALID,
     "invalid: negative Content-Length: INVALID (framing)", .method = NULL},
    {"noreason", PARSE, 0, NULL, S_SAME,
     "valid: empty reason phrase after the SP",
     .method=NULL, .status=100, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="user", .from_tag="39ansfi3", .to_user="user", .to_tag="902jndnke3",
     .call_id="noreason.asndj203insdf99223ndf", .cseq=35, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bK2398ndaoe", .n_contact=1, .content_length=0, .body_len=0},
    {"novelsc", PARSE, 0, NULL, S_SAME,
     "valid: soap.beep: R-URI kept as scheme+opaque",
     .method="OPTIONS", .status=0, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="caller", .from_tag="384", .to_user="user", .to_tag=NULL,
     .call_id="novelsc.asdfasser0q239nwsdfasdkl34", .cseq=3923423, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw39234", .n_contact=0, .content_length=0, .body_len=0},
    {"quotbal", PARSE, SIP_WARN_BAD_TO, NULL, S_SAME,
     "invalid: unterminated quote in To display name -> BAD_TO",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="93334", .to_user=NULL, .to_tag=NULL,
     .call_id="quotbal.aksdj", .cseq=8, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw39234", .n_contact=1, .content_length=152, .body_len=152},
    {"regaut01", PARSE, 0, NULL, S_SAME,
     "valid: unknown Authorization scheme kept (scheme + params)",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="j.user", .from_tag="87321hj23128", .to_user="j.user", .to_tag=NULL,
     .call_id="regaut01.0ha0isndaksdj", .cseq=9338, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"regbadct", PARSE, SIP_WARN_BAD_CONTACT, NULL, S_SAME,
     "invalid: Contact URI with ? not in <> -> BAD_CONTACT (URI still parsed)",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="user", .from_tag="998332", .to_user="user", .to_tag=NULL,
     .call_id="regbadct.k345asrl3fdbv@10.0.0.1", .cseq=1, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=0, .body_len=0},
    {"regescrt", PARSE, 0, NULL, S_SAME,
     "valid: escaped Route header stays in the Contact URI",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="user", .from_tag="8", .to_user="user", .to_tag=NULL,
     .call_id="regescrt.k345asrl3fdbv@192.0.2.1", .cseq=14398234, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=0, .body_len=0},
    {"scalar02", PARSE, SIP_WARN_BAD_CSEQ | SIP_WARN_BAD_NUMBER, NULL, S_SAME,
     "invalid: CSeq > 2^32-1 -> BAD_CSEQ; Max-Forwards 300, huge Expires -> BAD_NUMBER",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user="user", .from_tag="239232jh3", .to_user="user", .to_tag=NULL,
     .call_id="scalar02.23o0pd9vanlq3wnrlnewofjas9ui32", .cseq=-1, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bK342sdfoi3", .n_contact=1, .content_length=0, .body_len=0},
    {"scalarlg", PARSE, SIP_WARN_BAD_CSEQ, NULL, S_SAME,
     "invalid: response CSeq > 2^32-1 -> BAD_CSEQ (caller discards)",
     .method=NULL, .status=503, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="other", .from_tag="2easdjfejw", .to_user="user", .to_tag=NULL,
     .call_id="scalarlg.noase0of0234hn2qofoaf0232aewf2394r", .cseq=-1, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKzzxdiwo34sw", .n_contact=0, .content_length=0, .body_len=0},
    {"sdp01", PARSE, 0, NULL, S_SAME,
     "valid: unknown Accept type kept",
     .method="INVITE", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="234", .to_user="j_user", .to_tag=NULL,
     .call_id="sdp01.ndaksdj9342dasdd", .cseq=8, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=150, .body_len=150},
    {"semiuri", PARSE, 0, NULL, S_SAME,
     "valid: ;par=u%40example.net is part of the user (user_params)",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="33242", .to_user="j_user", .to_tag=NULL,
     .call_id="semiuri.0ha0isndaksdj", .cseq=8, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"test", INVALID, 0, "request line has no SIP-Version", S_INVALID,
     "n/a: request line without SIP-Version (and a header line without colon): INVALID", .method = NULL},
    {"transports", PARSE, 0, NULL, S_SAME,
     "valid: unknown Via transports are tokens",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="323", .to_user="user", .to_tag=NULL,
     .call_id="transports.kijh4akdnaqjkwendsasfdj", .cseq=60, .cseq_method="OPTIONS", .n_via=5, .via0_branch="z9hG4bKkdjuw", .n_contact=0, .content_length=0, .body_len=0},
    {"trws", PARSE, SIP_WARN_LIBERAL_START, NULL, S_SAME,
     "invalid: SP at the end of the request line, accepted -> LIBERAL_START",
     .method="OPTIONS", .status=0, .ruri_user="remote-target", .ruri_host="example.com",
     .from_user="local-resource", .from_tag="329429089", .to_user="remote-target", .to_tag=NULL,
     .call_id="trws.oicu34958239neffasdhr2345r", .cseq=238923, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bK299342093", .n_contact=0, .content_length=0, .body_len=0},
    {"unkscm", PARSE, 0, NULL, S_SAME,
     "valid: unknown R-URI scheme kept as scheme+opaque (416 is the caller's call)",
     .method="OPTIONS", .status=0, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="caller", .from_tag="384", .to_user="user", .to_tag=NULL,
     .call_id="unkscm.nasdfasser0q239nwsdfasdkl34", .cseq=3923423, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw39234", .n_contact=0, .content_length=0, .body_len=0},
    {"unksm2", PARSE, 0, NULL, S_SAME,
     "valid: isbn:, http:, name: URIs in To/From/Contact kept opaque",
     .method="REGISTER", .status=0, .ruri_user=NULL, .ruri_host="example.com",
     .from_user=NULL, .from_tag="3234233", .to_user=NULL, .to_tag=NULL,
     .call_id="unksm2.daksdj@hyphenated-host.example.com", .cseq=234902, .cseq_method="REGISTER", .n_via=1, .via0_branch="z9hG4bKkdjuw", .n_contact=1, .content_length=0, .body_len=0},
    {"unreason", PARSE, 0, NULL, S_SAME,
     "valid: UTF-8 reason phrase",
     .method=NULL, .status=200, .ruri_user=NULL, .ruri_host=NULL,
     .from_user="user", .from_tag="11141343", .to_user="user", .to_tag="2229",
     .call_id="unreason.1234ksdfak3j2erwedfsASdf", .cseq=35, .cseq_method="INVITE", .n_via=1, .via0_branch="z9hG4bK1324923", .n_contact=1, .content_length=154, .body_len=154},
    {"wsinv", PARSE, 0, NULL, S_SAME,
     "valid: folds, LWS around : ; = /, compact and any-case names, leading zeros",
     .method="INVITE", .status=0, .ruri_user="vivekg", .ruri_host="chair-dnrc.example.com",
     .from_user="jdrosen", .from_tag="98asjd8", .to_user="vivekg", .to_tag="1918181833n",
     .call_id="wsinv.ndaksdj@192.0.2.1", .cseq=9, .cseq_method="INVITE", .n_via=3, .via0_branch="390skdjuw", .n_contact=1, .content_length=150, .body_len=150},
    {"zeromf", PARSE, 0, NULL, S_SAME,
     "valid: Max-Forwards 0",
     .method="OPTIONS", .status=0, .ruri_user="user", .ruri_host="example.com",
     .from_user="caller", .from_tag="3ghsd41", .to_user="user", .to_tag=NULL,
     .call_id="zeromf.jfasdlfnm2o2l43r5u0asdfas", .cseq=39234321, .cseq_method="OPTIONS", .n_via=1, .via0_branch="z9hG4bKkdjuw2349i", .n_contact=0, .content_length=0, .body_len=0},
};

static const size_t n_cases = sizeof cases / sizeof cases[0];
static sip_msg m, ms;

#define CHECK_OPT(view, lit) do { if ((lit) == NULL) CHECK_ABSENT(view); else CHECK_VIEW(view, (lit)); } while (0)

static const struct rfc_case *find_case(const char *name)
{
    for (size_t i = 0; i < n_cases; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "tests/data/rfc4475/%s.sip", name);
}

/* The table covers exactly the messages of the manifest, whose sizes match
 * the files (a changed test input fails here, not somewhere subtle). */
static void table_matches_manifest(void)
{
    size_t n;
    char *tsv = check_read_file("tests/data/rfc4475/MANIFEST.tsv", &n);
    char *line = tsv, *end = tsv + n;
    size_t rows = 0;
    tsv = realloc(tsv, n + 1);
    line = tsv;
    end = tsv + n;
    *end = '\0';
    line = strchr(line, '\n') + 1; /* header */
    while (line < end && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char name[64], file[64], section[32], title[256], verdict[64];
        long bytes = -1;
        char *f[8] = {0};
        int k = 0;
        for (char *p = line; k < 8 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p) *p++ = '\0';
        }
        snprintf(name, sizeof name, "%s", f[0]);
        snprintf(file, sizeof file, "%s", f[1]);
        snprintf(section, sizeof section, "%s", f[2]);
        snprintf(title, sizeof title, "%s", f[3]);
        snprintf(verdict, sizeof verdict, "%s", f[4]);
        bytes = f[6] ? strtol(f[6], NULL, 10) : -1;
        const struct rfc_case *c = find_case(name);
        if (!c)
            fprintf(stderr, "  manifest message %s has no verdict in the table\n", name);
        CHECK(c != NULL);
        /* "invalid" must be rejected or flagged */
        if (c && strcmp(verdict, "invalid") == 0)
            CHECK(c->verdict == INVALID || c->warnings != 0);
        if (c && strncmp(verdict, "valid", 5) == 0)
            CHECK(c->verdict == PARSE);
        char path[256];
        size_t len;
        path_of(path, sizeof path, name);
        free(check_read_file(path, &len));
        CHECK_INT(len, bytes);
        rows++;
        line = nl ? nl + 1 : end;
    }
    CHECK_INT(rows, n_cases);
    free(tsv);
}

/* The verdict, the fields, and the stream verdict of each message. */
static void verdicts_and_fields(void)
{
    for (size_t i = 0; i < n_cases; i++) {
        const struct rfc_case *c = &cases[i];
        char path[256];
        guarded g;
        path_of(path, sizeof path, c->name);
        guard_file(&g, path);
        int before = check_failures_in_case;
        int r = sip_parse_datagram(g.p, g.len, &m);

        if (c->verdict == INVALID) {
            CHECK_INT(r, SIP_PARSE_INVALID);
            if (r == SIP_PARSE_INVALID)
                CHECK_STR(m.error, c->error);
        } else {
            CHECK_INT(r, 0);
            CHECK_INT(m.warnings, c->warnings);
            CHECK_OPT(m.method_str, c->method);
            CHECK_INT(m.status, c->status);
            if (c->warnings & SIP_WARN_BAD_RURI) {
                CHECK_VIEW(m.ruri_raw, c->ruri_raw);
            } else {
                CHECK_OPT(m.ruri.user, c->ruri_user);
                CHECK_OPT(m.ruri.host, c->ruri_host);
            }
            if (m.from.uri_ok)
                CHECK_OPT(m.from.uri.user, c->from_user);
            else
                CHECK(c->from_user == NULL);
            CHECK_OPT(m.from.tag, c->from_tag);
            if (m.to.uri_ok)
                CHECK_OPT(m.to.uri.user, c->to_user);
            else
                CHECK(c->to_user == NULL);
            CHECK_OPT(m.to.tag, c->to_tag);
            CHECK_OPT(m.call_id, c->call_id);
            CHECK_INT(m.cseq_ok ? (long long)m.cseq : -1, c->cseq);
            CHECK_OPT(m.cseq_method, c->cseq_method);
            CHECK_INT(m.n_via, c->n_via);
            if (m.n_via)
                CHECK_OPT(m.via[0].branch, c->via0_branch);
            CHECK_INT(m.n_contact, c->n_contact);
            CHECK_INT(m.content_length, c->content_length);
            CHECK_INT(m.body.len, c->body_len);
            CHECK(m.body.p + m.body.len <= g.p + g.len);
            CHECK_INT(m.offset + m.length, (size_t)(m.body.p + m.body.len - g.p));
        }

        ssize_t s = sip_parse_stream(g.p, g.len, 0, &ms);
        switch (c->stream) {
        case S_SAME:
            CHECK_INT(s, (ssize_t)(m.offset + m.length));
            /* TRAILING_BYTES and UNTERMINATED only exist for datagrams */
            CHECK_INT(ms.warnings, m.warnings & ~(SIP_WARN_TRAILING_BYTES | SIP_WARN_UNTERMINATED));
            break;
        case S_NEED:
            CHECK_INT(s, SIP_PARSE_NEED_MORE);
            break;
        case S_INVALID:
            CHECK_INT(s, SIP_PARSE_INVALID);
            break;
        case S_HDRONLY:
            CHECK_INT(s, (ssize_t)(m.offset + m.header_length));
            CHECK_INT(ms.body.len, 0);
            CHECK_INT(ms.warnings, m.warnings & ~SIP_WARN_NO_CONTENT_LENGTH);
            break;
        }
        if (check_failures_in_case != before)
            fprintf(stderr, "  ^ %s (%s)\n", c->name, c->why);
        guard_free(&g);
    }
}

/* Parses one message of the archive; returns the guarded copy (kept). */
static const sip_msg *load(const char *name)
{
    static guarded g;
    static bool have;
    char path[256];
    if (have)
        guard_free(&g);
    path_of(path, sizeof path, name);
    guard_file(&g, path);
    have = true;
    int r = sip_parse_datagram(g.p, g.len, &m);
    CHECK_INT(r, 0);
    return &m;
}

static void wsinv_details(void)
{
    const sip_msg *p = load("wsinv");
    char flat[128];
    CHECK_VIEW(p->ruri.params, "unknownparam");
    CHECK_VIEW(p->from.display, "J Rosenberg \\\\\\\"");
    CHECK(p->from.display_quoted);
    CHECK_VIEW(p->to.raw, "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
    CHECK_INT(p->max_forwards, 68);
    CHECK_VIEW(p->cseq_raw, "0009\r\n  INVITE");
    CHECK_VIEW(p->via[0].protocol, "SIP  /   2.0");
    CHECK_VIEW(p->via[0].transport, "UDP");
    CHECK_VIEW(p->via[0].host, "192.0.2.2");
    CHECK_VIEW(p->via[1].transport, "TCP");
    CHECK_VIEW(p->via[1].host, "spindle.example.com");
    CHECK_VIEW(p->via[1].branch, "z9hG4bK9ikj8");
    CHECK_VIEW(p->via[2].host, "192.168.255.111");
    CHECK_VIEW(p->via[2].branch, "z9hG4bK30239");
    CHECK_VIEW(p->contact[0].display, "Quoted string \\\"\\\"");
    CHECK(sip_param_find(p->contact[0].params, "q", NULL));
    CHECK_INT(p->n_headers, 14);
    CHECK_VIEW(p->headers[0].name, "TO");
    CHECK_VIEW(p->headers[4].name, "Content-Length");
    CHECK_VIEW(p->headers[7].name, "s");
    CHECK_INT(p->headers[7].kind, SIP_HDR_SUBJECT);
    CHECK_VIEW(p->headers[7].value, "");
    CHECK_VIEW(p->headers[8].name, "NewFangledHeader");
    CHECK_INT(sip_str_unfold(p->headers[8].value, flat, sizeof flat), 43);
    CHECK_STR(flat, "newfangled value continued newfangled value");
    CHECK_VIEW(p->headers[9].value, ";;,,;;,;");
    CHECK_INT(p->headers[9].kind, SIP_HDR_OTHER);
    CHECK_INT(p->headers[11].kind, SIP_HDR_ROUTE);
    CHECK_VIEW(p->headers[11].value, "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>");
    CHECK_VIEW(p->headers[12].name, "v");
    CHECK_VIEW(p->headers[13].name, "m");
    CHECK_VIEW(p->content_type, "application/sdp");
}

static void esc_and_semiuri(void)
{
    char buf[64];
    const sip_msg *p = load("esc02");
    CHECK_INT(p->method, SIP_METHOD_UNKNOWN);
    CHECK_INT(p->n_contact, 2);
    CHECK_VIEW(p->contact[0].uri.host, "host1.example.com");
    CHECK_VIEW(p->contact[1].uri.host, "host3.example.com");
    CHECK_VIEW(p->to.display, "%Z%45");
    p = load("esc01");
    CHECK_INT(unescaped(p->ruri.user, buf, sizeof buf), 21);
    CHECK_STR(buf, "sips:user@example.com");
    CHECK_INT(unescaped(p->to.uri.user, buf, sizeof buf), 4);
    CHECK_STR(buf, "user");
    CHECK_VIEW(p->contact[0].uri.params, "%6C%72;n%61me=v%61lue%25%34%31");
    p = load("escnull");
    CHECK_INT(p->n_contact, 2);
    CHECK_INT(unescaped(p->contact[0].uri.user, buf, sizeof buf), 1);
    CHECK(buf[0] == '\0');
    CHECK_INT(unescaped(p->contact[1].uri.user, buf, sizeof buf), 2);
    CHECK_INT(unescaped(p->from.uri.user, buf, sizeof buf), 11);
    CHECK(memcmp(buf, "null-\0-null", 11) == 0);
    p = load("semiuri");
    CHECK_VIEW(p->ruri.user, "user");
    CHECK_VIEW(p->ruri.user_params, "par=u%40example.net");
    CHECK_VIEW(p->headers[5].value, "application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed,\r\n        message/sip, message/sipfrag");
    p = load("intmeth");
    CHECK_VIEW(p->ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    CHECK_VIEW(p->ruri.user_params, ";*");
    CHECK(p->to.display.len == 20 && memcmp(p->to.display.p, "BEL:\\\a NUL:\\\0 DEL:\\\x7f", 20) == 0);
    CHECK_VIEW(p->from.display, "token1~` token2'+_ token3*%!.-");
    CHECK_INT(p->max_forwards, 255);
}

static void long_and_trailing(void)
{
    const sip_msg *p = load("longreq");
    CHECK_VIEW(p->via[0].host, "sip33.example.com");
    CHECK_VIEW(p->via[15].host, "sip18.example.com");
    CHECK_INT(p->to.uri.port, 6000);
    CHECK(sip_param_find(p->to.uri.params, "verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongParameterNameWithNoValue", NULL));
    CHECK_INT(p->to.display.len, 103);
    p = load("dblreq");
    CHECK_INT(p->length, 300);
    CHECK_VIEW(p->call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
    CHECK_INT(p->headers[3].kind, SIP_HDR_CALL_ID); /* "I:" */
    /* A stream takes the REGISTER, then the INVITE that followed it. */
    guarded g;
    guard_file(&g, "tests/data/rfc4475/dblreq.sip");
    ssize_t a = sip_parse_stream(g.p, g.len, 0, &ms);
    CHECK_INT(a, 300);
    ssize_t b = sip_parse_stream(g.p + a, g.len - (size_t)a, 0, &ms);
    CHECK_INT(b, 445); /* CRLF + 293 header bytes + 150 of the 155 body bytes */
    CHECK_INT(ms.offset, 2);
    CHECK_VIEW(ms.method_str, "INVITE");
    CHECK_VIEW(ms.to.uri.user, "joe");
    guard_free(&g);
    p = load("mpart01");
    CHECK_INT(p->body.len, 553);
    CHECK(memchr(p->body.p, '\0', p->body.len) != NULL);
    CHECK(memcmp(p->body.p + p->body.len - 22, "--7a9cbec02ceef655--\r\n", 22) == 0);
    CHECK_VIEW(p->user_agent, "SIPimp.org/0.2.5 (curses)");
    CHECK_VIEW(p->date, "Sat, 15 Oct 2005 04:44:56 GMT");
    p = load("inv2543");
    CHECK_ABSENT(p->from.tag);
    CHECK_INT(p->max_forwards, -1);
    CHECK(memcmp(p->body.p, "v=0\r\n", 5) == 0);
}

static void responses(void)
{
    const sip_msg *p = load("noreason");
    CHECK(!p->is_request);
    CHECK_INT(p->status, 100);
    CHECK_VIEW(p->reason, "");
    p = load("unreason");
    CHECK_INT(p->status, 200);
    CHECK(p->reason.len == 74 && memcmp(p->reason.p, "= 2**3 * 5**2 ", 14) == 0);
    p = load("bcast");
    CHECK_INT(p->n_via, 2);
    CHECK_VIEW(p->via[1].host, "255.255.255.255");
    CHECK_INT(p->via[1].host_kind, SIP_HOST_IPV4);
    p = load("scalarlg");
    CHECK_VIEW(p->cseq_raw, "9292394834772304023312 OPTIONS");
    CHECK_VIEW(p->via[0].received, "192.0.2.129");
}

static void schemes_and_params(void)
{
    const sip_msg *p = load("unkscm");
    CHECK_INT(p->ruri.scheme, SIP_SCHEME_OTHER);
    CHECK_VIEW(p->ruri.scheme_str, "nobodyKnowsThisScheme");
    CHECK_VIEW(p->ruri.opaque, "totallyopaquecontent");
    p = load("novelsc");
    CHECK_VIEW(p->ruri.scheme_str, "soap.beep");
    CHECK_VIEW(p->ruri.opaque, "//192.0.2.103:3002");
    p = load("unksm2");
    CHECK_VIEW(p->to.uri.scheme_str, "isbn");
    CHECK_VIEW(p->from.uri.scheme_str, "http");
    CHECK_VIEW(p->from.tag, "3234233");
    CHECK_VIEW(p->contact[0].uri.opaque, "John_Smith");
    p = load("transports");
    CHECK_INT(p->n_via, 5);
    CHECK_VIEW(p->via[1].transport, "SCTP");
    CHECK_VIEW(p->via[3].transport, "UNKNOWN");
    CHECK_VIEW(p->call_id, "transports.kijh4akdnaqjkwendsasfdj");
    p = load("cparam01");
    CHECK_ABSENT(p->contact[0].uri.params);
    CHECK_VIEW(p->contact[0].params, "unknownparam");
    p = load("cparam02");
    CHECK_VIEW(p->contact[0].uri.params, "unknownparam");
    CHECK_ABSENT(p->contact[0].params);
    p = load("regescrt");
    CHECK_VIEW(p->contact[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
    p = load("regaut01");
    CHECK_VIEW(p->authorization.scheme, "NoOneKnowsThisScheme");
    CHECK_INT(p->authorization.n_params, 1);
    CHECK_ABSENT(p->authorization.username);
    p = load("bext01");
    CHECK_VIEW(p->require, "nothingSupportsThis, nothingSupportsThisEither");
    CHECK_VIEW(p->proxy_require, "noProxiesSupportThis, norDoAnyProxiesSupportThis");
    p = load("invut");
    CHECK_VIEW(p->content_type, "application/unknownformat");
    p = load("zeromf");
    CHECK_INT(p->max_forwards, 0);
    p = load("lwsdisp");
    CHECK_VIEW(p->from.display, "caller");
    CHECK(!p->from.display_quoted);
}

static void invalid_details(void)
{
    const sip_msg *p = load("scalar02");
    CHECK_INT(p->max_forwards, -1);
    CHECK_INT(p->expires, -1);
    CHECK_VIEW(p->contact[0].expires, "280297596632815");
    p = load("badinv01");
    CHECK_INT(p->n_via, 0);
    CHECK_VIEW(p->contact[0].raw, "\"Joe\" <sip:joe@example.org>;;;;");
    p = load("quotbal");
    CHECK_VIEW(p->to.raw, "\"Mr. J. User <sip:j.user@example.com>");
    p = load("regbadct");
    CHECK(p->contact[0].uri_ok);
    CHECK_VIEW(p->contact[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
    p = load("escruri");
    CHECK_VIEW(p->ruri.headers, "Route=%3Csip:example.com%3E");
    p = load("multi01");
    CHECK_VIEW(p->call_id, "multi01.98asdh@192.0.2.1");
    CHECK_INT(p->cseq, 5);
    CHECK_VIEW(p->from.tag, "3413415");
    CHECK_VIEW(p->to.uri.user, "user");
    CHECK_INT(p->max_forwards, 70);
    p = load("badvers");
    CHECK_VIEW(p->version, "SIP/7.0");
    CHECK_VIEW(p->via[0].protocol, "SIP/7.0");
    p = load("baddate");
    CHECK_VIEW(p->date, "Fri, 01 Jan 2010 16:00:00 EST");
    guarded g;
    guard_file(&g, "tests/data/rfc4475/clerr.sip");
    CHECK_INT(sip_parse_stream(g.p, g.len, 0, &ms), SIP_PARSE_NEED_MORE);
    CHECK_INT(ms.content_length, 9999);
    guard_free(&g);
}

CHECK_MAIN("test_rfc4475",
    {"verdict table covers the manifest", table_matches_manifest},
    {"verdicts, fields and stream verdicts", verdicts_and_fields},
    {"wsinv: folding and LWS everywhere", wsinv_details},
    {"esc01, esc02, escnull, semiuri, intmeth", esc_and_semiuri},
    {"longreq, dblreq, mpart01, inv2543", long_and_trailing},
    {"noreason, unreason, bcast, scalarlg", responses},
    {"schemes and parameters", schemes_and_params},
    {"invalid messages: what is kept", invalid_details},
)
