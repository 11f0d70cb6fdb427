/*
 * phonenumber_adapter.cc - C-callable wrapper around libphonenumber's
 * PhoneNumberUtil (see phonenumber_adapter.h). No exceptions cross into C:
 * every entry point catches everything and reports failure.
 */
#include "enrich/phonenumber_adapter.h"

#include <cstring>
#include <set>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

const PhoneNumberUtil &util()
{
    return *PhoneNumberUtil::GetInstance();
}

bool parse_digits(const char *digits, PhoneNumber *n)
{
    if (digits == nullptr || digits[0] == '\0' || std::strlen(digits) > 20)
        return false;
    for (const char *p = digits; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    std::string s("+");
    s += digits;
    return util().Parse(s, "ZZ", n) == PhoneNumberUtil::NO_PARSING_ERROR;
}

}  // namespace

extern "C" int pn_lookup(const char *digits, pn_info *out)
{
    std::memset(out, 0, sizeof *out);
    out->type = PN_UNKNOWN;
    try {
        PhoneNumber n;
        if (!parse_digits(digits, &n))
            return -1;
        const PhoneNumberUtil &u = util();
        /* Parse() drops a national prefix after the country code (+44 0 20
         * ...) or a NANP "1": that is another number than the one asked. */
        std::string e164;
        u.Format(n, PhoneNumberUtil::E164, &e164);
        if (e164.size() < 2 || e164.compare(1, std::string::npos, digits) != 0)
            return 0;
        out->possible = u.IsPossibleNumber(n) ? 1 : 0;
        out->valid = u.IsValidNumber(n) ? 1 : 0;
        if (out->valid) {
            int t = static_cast<int>(u.GetNumberType(n));
            out->type = (t >= 0 && t < PN_TYPE_COUNT) ? t : PN_UNKNOWN;
            std::string region;
            u.GetRegionCodeForNumber(n, &region);
            if (region.size() < sizeof out->region)
                std::memcpy(out->region, region.c_str(), region.size() + 1);
        }
        return 0;
    } catch (...) {
        std::memset(out, 0, sizeof *out);
        out->type = PN_UNKNOWN;
        return -1;
    }
}

extern "C" int pn_valid_for_region(const char *digits, const char *region)
{
    try {
        PhoneNumber n;
        if (!parse_digits(digits, &n) || region == nullptr)
            return 0;
        return util().IsValidNumberForRegion(n, region) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" size_t pn_examples(void (*cb)(const char *, const char *, int, void *), void *arg)
{
    size_t count = 0;
    try {
        const PhoneNumberUtil &u = util();
        std::set<std::string> regions;
        u.GetSupportedRegions(&regions);
        for (const std::string &r : regions) {
            for (int t = 0; t < PN_UNKNOWN; t++) {
                if (t == PN_FIXED_LINE_OR_MOBILE)
                    continue;   /* the same example as fixed line */
                PhoneNumber n;
                if (!u.GetExampleNumberForType(r, static_cast<PhoneNumberUtil::PhoneNumberType>(t), &n))
                    continue;
                std::string e164;
                u.Format(n, PhoneNumberUtil::E164, &e164);
                if (e164.size() < 2)
                    continue;
                cb(r.c_str(), e164.c_str() + 1, t, arg);
                count++;
            }
        }
        std::set<int> codes;
        u.GetSupportedGlobalNetworkCallingCodes(&codes);
        for (int code : codes) {
            PhoneNumber n;
            if (!u.GetExampleNumberForNonGeoEntity(code, &n))
                continue;
            std::string e164;
            u.Format(n, PhoneNumberUtil::E164, &e164);
            if (e164.size() < 2)
                continue;
            cb("001", e164.c_str() + 1, static_cast<int>(u.GetNumberType(n)), arg);
            count++;
        }
    } catch (...) {
    }
    return count;
}

extern "C" const char *pn_type_name(int type)
{
    static const char *const names[PN_TYPE_COUNT] = {
        "fixed_line", "mobile", "fixed_line_or_mobile", "toll_free", "premium_rate",
        "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail", "unknown",
    };
    return (type >= 0 && type < PN_TYPE_COUNT) ? names[type] : "unknown";
}
