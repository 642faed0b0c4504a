// The classical ops through the real `easel` binary: an output on success; on bad input a one-line
// reason, the plan-error exit status and no output file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

std::filesystem::path write_plan(const std::string& name, const std::string& json_text) {
  const auto path = test::temp_dir() / name;
  std::ofstream(path) << json_text;
  return path;
}

TEST(ClassicOpsCli, RecolourAndUpscaleWriteTheEnlargedResult) {
  const auto plan = write_plan(
      "ok.json", R"({"steps":[{"op":"region.recolor","target":{"color":"red"},"params":{"color":"royalblue"}},
                                                      {"op":"image.upscale","params":{"factor":2,"method":"lanczos"}}]})");
  const auto out = test::temp_dir() / "bike.png";
  const auto run = test::run_easel(
      {"edit", test::photo("motorcycle_left.png").string(), "--plan-file", plan.string(), "-o", out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Image result = read_image_file(out, DecodeLimits{}).image;
  EXPECT_EQ(result.width(), 2 * 741);
  EXPECT_EQ(result.height(), 2 * 500);
}

TEST(ClassicOpsCli, BadParametersFailWithAReasonAndNoOutput) {
  struct Case {
    const char* plan;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"steps":[{"op":"color.match","params":{"reference":"/no/such/ref.jpg"}}]})",
       "reference image '/no/such/ref.jpg' is not a readable file"},
      {R"({"steps":[{"op":"image.upscale","params":{"factor":8}}]})", "factor"},
      {R"({"steps":[{"op":"style.apply","params":{"style":"impressionist"}}]})", "impressionist"},
      {R"({"steps":[{"op":"region.recolor","target":{"object":"upstairs"},"params":{"color":"red"}}]})",
       "is not a spatial region"},
      {R"({"steps":[{"op":"object.remove","params":{}}]})", "covers the whole image"},
  };
  int index = 0;
  for (const auto& c : cases) {
    const auto plan = write_plan("bad" + std::to_string(index) + ".json", c.plan);
    const auto out = test::temp_dir() / ("bad" + std::to_string(index++) + ".png");
    const auto run =
        test::run_easel({"edit", test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o", out.string()});
    EXPECT_EQ(run.exit_code, 4) << c.plan << "\n" << run.err;
    EXPECT_NE(run.err.find(c.reason), std::string::npos) << run.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.plan;
  }
}

}  // namespace
}  // namespace easel
