// XML character and entity references in text that RapidXML left as
// received (rapidxml::parse_no_entity_translation).
#pragma once

#include <string>
#include <string_view>

namespace jobsync::xml {

// True when text holds a '&', i.e. may need decode_entities.
inline bool has_entities(std::string_view text)
{
    return text.find('&') != std::string_view::npos;
}

// text with &lt; &gt; &amp; &apos; &quot; &#N; and &#xN; replaced, as
// RapidXML's own translation does: numeric references become UTF-8, any other
// '&' is kept. Throws rapidxml::parse_error (pointing into text) for a numeric
// reference without ';' or above U+10FFFF, as RapidXML would, and for one to
// U+0000, which RapidXML made a NUL byte: decoded text never holds one.
std::string decode_entities(std::string_view text);

} // namespace jobsync::xml
