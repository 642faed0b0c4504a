// Nothing in an instruction is dropped or stood in for: a thing Easel cannot find by name is not replaced
// by "the largest object", a look an op cannot give is listed as not done, and a clause an earlier step
// already carries out is said to be done by it.
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/plan/named_things.hpp"
#include "easel/plan/plan_explainer.hpp"
#include "easel/plan/planner.hpp"
#include "plan/plan_support.hpp"

namespace easel {
namespace {

using test::ops_of;

TEST(NamedThings, AThingByNameIsUnknownButSubjectPlacesColoursAndObjectsAreFound) {
  EXPECT_EQ(thing_named_by("the spoon").kind, ThingKind::unknown);
  EXPECT_EQ(thing_named_by("the trash can on the left").words, "the trash can");
  EXPECT_EQ(thing_named_by("the product").kind, ThingKind::subject);
  EXPECT_EQ(thing_named_by("the person on the left").kind, ThingKind::subject);
  EXPECT_EQ(thing_named_by("the people in the background").kind, ThingKind::unknown);
  EXPECT_EQ(thing_named_by("the object").kind, ThingKind::object);
  const NamedThing red = thing_named_by("the red object");
  EXPECT_EQ(red.kind, ThingKind::object);
  EXPECT_EQ(red.colour, "red");
  EXPECT_EQ(thing_named_by("the red areas").kind, ThingKind::colour_area);
  EXPECT_EQ(thing_named_by("the top-left corner").kind, ThingKind::place);
  EXPECT_EQ(thing_named_by("the top").kind, ThingKind::place);
  EXPECT_EQ(thing_named_by("the background").kind, ThingKind::place);
  EXPECT_EQ(thing_named_by("the whole thing").kind, ThingKind::image);
  EXPECT_EQ(thing_named_by("the white balance, it's too yellow").kind, ThingKind::property);
  EXPECT_EQ(thing_named_by("the skin tones").kind, ThingKind::unknown);
  EXPECT_EQ(thing_named_by("it").kind, ThingKind::unknown);
  // "make the cup blue": the colour after the thing is the new one, not part of its name.
  const NamedThing cup = thing_named_by("the cup blue");
  EXPECT_EQ(cup.words, "the cup");
  EXPECT_TRUE(cup.colour.empty());
  // A purpose is not what the clause acts on.
  EXPECT_FALSE(first_thing_named_in("make the whole thing pop more for our etsy listing"));
}

TEST(NothingDropped, AThingEaselCannotFindIsNotDoneNeverTheLargestObject) {
  for (const char* instruction :
       {"remove the spoon", "make the cup blue", "change the saucer to green", "brighten the face",
        "replace the cup with a glass of wine", "make the dog look like a cartoon", "remove the red mug"}) {
    const EditPlan plan = plan_instruction(instruction);
    EXPECT_TRUE(plan.steps.empty()) << instruction << " planned " << plan.steps.front().op << " on "
                                    << plan.steps.front().target.dump();
    ASSERT_EQ(plan.unsupported.size(), 1u) << instruction;
    EXPECT_EQ(plan.unsupported[0].clause, instruction);
    EXPECT_NE(plan.unsupported[0].reason.find("give a mask (--mask / the mask brush)"), std::string::npos)
        << plan.unsupported[0].reason;
  }
  const EditPlan spoon = plan_instruction("remove the spoon");
  EXPECT_NE(spoon.unsupported[0].reason.find("cannot find \"the spoon\""), std::string::npos)
      << spoon.unsupported[0].reason;
}

TEST(NothingDropped, WhatEaselCanFindIsStillEdited) {
  const EditPlan person = plan_instruction("remove the person on the left");
  ASSERT_EQ(ops_of(person), std::vector<std::string>{"object.remove"});
  EXPECT_EQ(person.steps[0].target["object"]["where"], "left");
  const EditPlan object = plan_instruction("remove the red object");
  ASSERT_EQ(ops_of(object), std::vector<std::string>{"object.remove"});
  EXPECT_EQ(object.steps[0].target["object"]["color"], "red");
  const EditPlan subject = plan_instruction("brighten the subject");
  ASSERT_EQ(ops_of(subject), std::vector<std::string>{"color.adjust"});
  EXPECT_EQ(subject.steps[0].target, (json{{"region", "subject"}}));
  const EditPlan area = plan_instruction("make the red areas blue");
  ASSERT_EQ(ops_of(area), std::vector<std::string>{"region.recolor"});
  EXPECT_EQ(area.steps[0].target["color"], "red");
  const EditPlan half = plan_instruction("make the left half blue");
  ASSERT_EQ(ops_of(half), std::vector<std::string>{"region.recolor"});
  EXPECT_EQ(half.steps[0].target, (json{{"region", "left"}}));
}

TEST(NothingDropped, WithAMaskTheNamedThingIsTheMasksArea) {
  PlanInputs inputs;
  inputs.mask = "spoon-mask.png";
  for (const char* instruction : {"remove the spoon", "make the cup blue", "brighten the face"}) {
    const EditPlan plan = plan_instruction(instruction, inputs);
    ASSERT_EQ(plan.steps.size(), 1u) << instruction;
    EXPECT_EQ(plan.steps[0].target, (json{{"mask", "spoon-mask.png"}})) << instruction;
    EXPECT_TRUE(plan.unsupported.empty()) << instruction;
  }
}

TEST(NothingDropped, TextLooksAreHonouredOrListedAsNotDone) {
  const EditPlan sale = plan_instruction("add the text 'SALE' in bold red with an outline");
  ASSERT_EQ(ops_of(sale), std::vector<std::string>{"text.add"});
  EXPECT_EQ(sale.steps[0].params["color"], "red");
  EXPECT_EQ(sale.steps[0].params["font"], "bold");
  EXPECT_EQ(sale.steps[0].params["outline"], 2.0);
  EXPECT_TRUE(sale.unsupported.empty());

  const EditPlan outlined =
      plan_instruction("add \"SALE\" in white with a thick black outline and a soft shadow, 40% opacity");
  const json& params = outlined.steps.at(0).params;
  EXPECT_EQ(params["color"], "white");
  EXPECT_EQ(params["font"], "sans");  // "black" is the outline's colour, not a weight
  EXPECT_EQ(params["outline"], 4.0);
  EXPECT_EQ(params["outline_color"], "black");
  EXPECT_EQ(params["shadow_blur"], 6.0);
  EXPECT_DOUBLE_EQ(params["opacity"].get<double>(), 0.4);

  const EditPlan banner = plan_instruction("add \"NEW\" on a red banner with a 3px outline, 48px");
  EXPECT_EQ(banner.steps.at(0).params["box_color"], "red");
  EXPECT_EQ(banner.steps.at(0).params["color"], "auto");  // red is the banner's
  EXPECT_EQ(banner.steps.at(0).params["outline"], 3.0);
  EXPECT_EQ(banner.steps.at(0).params["size"], 48.0);

  const EditPlan small = plan_instruction("add a small caption 'made in Italy' at the bottom, rotated 90 degrees");
  ASSERT_EQ(ops_of(small), std::vector<std::string>{"text.add"});
  ASSERT_EQ(small.unsupported.size(), 2u);
  EXPECT_NE(small.unsupported[0].reason.find("\"small\""), std::string::npos) << small.unsupported[0].reason;
  EXPECT_NE(small.unsupported[1].reason.find("rotated"), std::string::npos) << small.unsupported[1].reason;
  EXPECT_TRUE(plan_instruction("add a small caption 'made in Italy' at the bottom, 18px").unsupported.empty());
}

TEST(NothingDropped, ExtendingInsteadOfCroppingKeepsTheWholePhoto) {
  const EditPlan without = plan_instruction("make it square without cropping");
  ASSERT_EQ(ops_of(without), std::vector<std::string>{"canvas.expand"});
  EXPECT_EQ(without.steps[0].params["aspect"], "1:1");

  const EditPlan white = plan_instruction("make it square and extend the canvas with white");
  ASSERT_EQ(ops_of(white), std::vector<std::string>{"canvas.expand"});
  EXPECT_EQ(white.steps[0].params["fill"], "color");
  EXPECT_EQ(white.steps[0].params["color"], "#ffffffff");
  EXPECT_EQ(white.steps[0].also_clauses, std::vector<std::string>{"extend the canvas with white"});
  EXPECT_TRUE(white.unsupported.empty());

  const EditPlan dont = plan_instruction("crop to 4:5. Don't crop!");
  ASSERT_EQ(ops_of(dont), std::vector<std::string>{"canvas.expand"});
  EXPECT_EQ(dont.steps[0].also_clauses, std::vector<std::string>{"Don't crop"});
  EXPECT_TRUE(dont.preserve.empty());

  const EditPlan bars = plan_instruction("make it an instagram story with black bars");
  ASSERT_EQ(ops_of(bars), (std::vector<std::string>{"canvas.expand", "image.resize"}));
  EXPECT_EQ(bars.steps[0].params["color"], "#000000ff");

  const EditPlan stretch = plan_instruction("resize to 800x600 without stretching");
  ASSERT_EQ(ops_of(stretch), (std::vector<std::string>{"image.crop", "image.resize"}));
  EXPECT_EQ(stretch.steps[0].params["aspect"], "4:3");
}

TEST(NothingDropped, MakingItTransparentAfterRemovingTheBackgroundIsDoneByThatStep) {
  const EditPlan plan = plan_instruction("remove the background and make it transparent");
  ASSERT_EQ(ops_of(plan), std::vector<std::string>{"background.remove"});
  EXPECT_EQ(plan.steps[0].also_clauses, std::vector<std::string>{"make it transparent"});
  EXPECT_TRUE(plan.unsupported.empty());
  EXPECT_NE(explain_plan(plan).find("from \"remove the background\" and \"make it transparent\""), std::string::npos)
      << explain_plan(plan);
  EXPECT_EQ(ops_of(plan_instruction("make it transparent")), std::vector<std::string>{"background.remove"});
  // The clause travels with the step: read back, and listed with it when this build cannot run it.
  EXPECT_EQ(edit_plan_from_json(to_json(plan)).steps[0].also_clauses, plan.steps[0].also_clauses);
  EXPECT_THROW(edit_plan_from_json(json::parse(R"({"steps": [{"op": "image.crop", "also_clauses": "x"}]})")), Error);
}

TEST(NothingDropped, GenerationSizeGradientDirectionAndDuotoneColoursAreRead) {
  const EditPlan generate = draft_plan("generate a 512x768 image of a lighthouse");
  EXPECT_EQ(generate.steps.at(0).params["prompt"], "a lighthouse");
  EXPECT_EQ(generate.steps.at(0).params["width"], 512);
  EXPECT_EQ(generate.steps.at(0).params["height"], 768);
  const EditPlan several = draft_plan("generate three pictures of a red bicycle");
  ASSERT_EQ(several.unsupported.size(), 1u);
  EXPECT_NE(several.unsupported[0].reason.find("-n"), std::string::npos);
  EXPECT_EQ(
      draft_plan("replace the background with a radial gradient from navy to white").steps.at(0).params["direction"],
      "radial");
  const EditPlan duotone = draft_plan("apply a navy and gold duotone");
  EXPECT_EQ(duotone.steps.at(0).params["dark"], "navy");
  EXPECT_EQ(duotone.steps.at(0).params["light"], "gold");
}

}  // namespace
}  // namespace easel
