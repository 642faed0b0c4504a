#pragma once
// The things a clause names ("the spoon", "the product", "the red areas", "the object on the left") and
// whether Easel can find them today. Until objects can be found by name, only the main subject
// (segmentation), places in the frame, colour areas and "the object" (the largest distinct object, by
// place or colour) can be; a thing named otherwise is never stood in for by something else.
// docs/instructions.md ("Things a clause names") lists the words.
#include <optional>
#include <string>
#include <vector>

namespace easel {

enum class ThingKind {
  image,        // the whole picture: "the photo", "the whole thing"
  property,     // a quality, not a thing: "the contrast", "the colours", "the white balance", "the shadows"
  place,        // a part of the frame or the background: "the left half", "the top-right corner", "the background"
  colour_area,  // "the red areas", "the blue tones"
  subject,      // the main subject, as segmentation finds it: "the subject", "the product", "the person"
  object,       // "the object", "the thing", "the item": the largest distinct object, by place or colour
  unknown,      // any other thing ("the spoon", "the sky", "the text"): Easel cannot find it by name yet
};

struct NamedThing {
  ThingKind kind = ThingKind::image;
  std::string words;   // the phrase up to its first preposition: "the trash can" of "the trash can on the left"
  std::string colour;  // a colour word in the phrase ("the red object"), else empty
};

// What `phrase` (lower-case words as normalise_clause writes them, starting at the thing) names. A
// subject word qualified by the background ("the people in the background") is not the main subject:
// unknown.
NamedThing thing_named_by(const std::string& phrase);

// Every phrase of `clause_text` opened by the, his, her, their, its, my, our or your, in order.
std::vector<NamedThing> things_named_in(const std::string& clause_text);

// The first of those that is a thing (not the image, a property or a place), if any.
std::optional<NamedThing> first_thing_named_in(const std::string& clause_text);

}  // namespace easel
