// The real `easel` binary, driven the way scripts drive it: outputs, reports, exit codes, and no output
// file whenever a command fails.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/imgproc.hpp>
#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(Cli, EditsARealPhotoFromAnInstructionAndWritesTheReport) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run = test::run_easel({"edit", test::photo("coffee.png").string(), "-p",
                                            "increase the contrast, make the left half warmer, then crop to 16:9", "-o",
                                            (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("wrote " + (dir / "out.png").string()), std::string::npos);
  const DecodedImage output = read_image_file(dir / "out.png", DecodeLimits{});
  EXPECT_EQ(output.image.width() * 9, output.image.height() * 16);
  const json report = read_json(dir / "report.json");
  EXPECT_EQ(report["plan"]["steps"].size(), 3u);
  EXPECT_EQ(report["plan"]["steps"][2]["op"], "image.crop");
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
  EXPECT_EQ(report["output"]["width"], output.image.width());
  EXPECT_TRUE(report["timings_ms"].contains("execute"));
  // The plan travels inside the image's metadata, with the IPTC source type.
  const auto metadata = read_output_metadata(read_file_bytes(dir / "out.png"));
  EXPECT_NE(metadata.plan_json.find("image.crop"), std::string::npos);
  EXPECT_EQ(metadata.source_type, DigitalSourceType::algorithmically_enhanced);
}

TEST(Cli, AReferenceImageGivenWithRefIsUsedByTheInstruction) {
  const fs::path dir = test::temp_dir();
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "match the colours of the reference", "--ref",
                       test::photo("chelsea.png").string(), "-o", (dir / "out.png").string(), "--report",
                       (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json report = read_json(dir / "report.json");
  ASSERT_EQ(report["plan"]["steps"].size(), 1u) << report["plan"].dump(2);
  EXPECT_EQ(report["plan"]["steps"][0]["op"], "color.match");
  EXPECT_EQ(report["plan"]["steps"][0]["params"]["reference"], test::photo("chelsea.png").string());
  // The cat's colours are not the coffee's: the result moved away from the input.
  const Image input = test::load_photo("coffee.png");
  const Image output = read_image_file(dir / "out.png", DecodeLimits{}).image;
  EXPECT_GT(cv::norm(input.to_rgba8().mat(), output.to_rgba8().mat(), cv::NORM_L1) /
                static_cast<double>(input.width() * input.height()),
            10.0);

  const test::CliRun without =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "match the colours of the reference", "-o",
                       (dir / "none.png").string()});
  EXPECT_NE(without.err.find("--ref"), std::string::npos) << without.err;
  EXPECT_FALSE(fs::exists(dir / "none.png"));
}

TEST(Cli, RunsAnExplicitPlanFileInEachOutputFormat) {
  const fs::path dir = test::temp_dir();
  const json plan = {
      {"steps",
       json::array({{{"op", "color.adjust"}, {"target", {{"region", "bottom"}}}, {"params", {{"saturation", -1}}}},
                    {{"op", "image.resize"}, {"params", {{"width", 256}}}}})}};
  std::ofstream(dir / "plan.json") << plan.dump();
  for (const char* name : {"out.png", "out.jpg", "out.webp"}) {
    const test::CliRun run =
        test::run_easel({"edit", test::photo("astronaut.png").string(), "--plan-file", (dir / "plan.json").string(),
                         "-o", (dir / name).string(), "--quality", "80"});
    ASSERT_EQ(run.exit_code, 0) << name << ": " << run.err;
    const DecodedImage output = read_image_file(dir / name, DecodeLimits{});
    EXPECT_EQ(output.image.width(), 256) << name;
  }
}

TEST(Cli, OpsListsEveryParameterWithTypeDefaultAndRange) {
  const test::CliRun run = test::run_easel({"ops", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json listing = json::parse(run.out);
  std::map<std::string, json> ops;
  for (const auto& op : listing["operations"]) ops[op["name"]] = op;
  for (const char* name : {"color.adjust", "image.crop", "image.resize", "canvas.expand"})
    ASSERT_TRUE(ops.count(name)) << name;
  const json& contrast = ops["color.adjust"]["params"][1];
  EXPECT_EQ(contrast["name"], "contrast");
  EXPECT_EQ(contrast["type"], "number");
  EXPECT_EQ(contrast["min"], -1.0);
  EXPECT_EQ(contrast["max"], 1.0);
  EXPECT_EQ(contrast["default"], 0.0);
  const test::CliRun text = test::run_easel({"ops"});
  EXPECT_NE(text.out.find("warmth (number, -1.0..1.0, default 0.0)"), std::string::npos) << text.out;
}

TEST(Cli, PlanPrintsTheEditPlanJson) {
  const test::CliRun run = test::run_easel({"plan", "make it black and white, then crop to 1:1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json plan = json::parse(run.out);
  EXPECT_EQ(plan["steps"][0]["params"]["saturation"], -1.0);
  EXPECT_EQ(plan["steps"][1]["params"]["aspect"], "1:1");
}

TEST(Cli, DocumentsAddRoundsAndUndoExactly) {
  const fs::path dir = test::temp_dir();
  const std::string doc = (dir / "edit.easel").string();
  test::CliRun run = test::run_easel({"edit", test::photo("chelsea.png").string(), "-p", "make the right half cooler",
                                      "-o", (dir / "round1.png").string(), "--save", doc});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  run = test::run_easel({"edit", doc, "-p", "increase the saturation a lot", "-o", (dir / "round2.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("round 2"), std::string::npos);
  run = test::run_easel({"undo", doc, "-o", (dir / "undone.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto decode = [&](const char* name) { return read_image_file(dir / name, DecodeLimits{}).image; };
  EXPECT_TRUE(bit_identical(decode("undone.png"), decode("round1.png")));
  EXPECT_FALSE(bit_identical(decode("round2.png"), decode("round1.png")));
  run = test::run_easel({"redo", doc, "-o", (dir / "redone.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(bit_identical(decode("redone.png"), decode("round2.png")));
  run = test::run_easel({"history", doc, "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["applied"], 2);
  run = test::run_easel({"redo", doc});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("nothing to redo"), std::string::npos);
}

struct BadInputCase {
  std::string name;
  std::vector<std::string> args;  // after "edit"; {in} and {out} are replaced
  int exit_code;
  std::string message;
};

TEST(Cli, BadInputGetsASpecificErrorADistinctExitCodeAndNoOutputFile) {
  const fs::path dir = test::temp_dir();
  const auto png = read_file_bytes(test::photo("coffee.png"));
  const auto jpeg = read_file_bytes(test::photo("rocket.jpg"));
  write_bytes(dir / "truncated.png",
              std::vector<std::uint8_t>(png.begin(), png.begin() + static_cast<long>(png.size() / 2)));
  write_bytes(dir / "truncated.jpg",
              std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2)));
  write_bytes(dir / "empty.png", {});
  write_bytes(dir / "png-named.jpg", png);
  write_bytes(dir / "huge.png", test::png_bomb_header());
  std::ofstream(dir / "unknown-op.json") << R"({"steps": [{"op": "paint.sky", "params": {}}]})";
  std::ofstream(dir / "out-of-range.json") << R"({"steps": [{"op": "color.adjust", "params": {"contrast": 7}}]})";
  cv::Mat small(20, 20, CV_8UC4, cv::Scalar::all(255));
  write_bytes(dir / "small-mask.png", encode_image(Image(small), EncodeOptions{}, OutputMetadata{}));
  const std::string coffee = test::photo("coffee.png").string();

  const std::vector<BadInputCase> cases{
      {"truncated png", {(dir / "truncated.png").string(), "-p", "increase contrast"}, 3, "truncated"},
      {"truncated jpeg", {(dir / "truncated.jpg").string(), "-p", "increase contrast"}, 3, "truncated"},
      {"zero-byte file", {(dir / "empty.png").string(), "-p", "increase contrast"}, 3, "empty"},
      {"wrong extension", {(dir / "png-named.jpg").string(), "-p", "increase contrast"}, 3, "PNG"},
      {"decompression bomb", {(dir / "huge.png").string(), "-p", "increase contrast"}, 3, "100000x100000"},
      {"missing file", {(dir / "nothing.png").string(), "-p", "increase contrast"}, 3, "nothing.png"},
      {"unknown op", {coffee, "--plan-file", (dir / "unknown-op.json").string()}, 4, "unknown operation 'paint.sky'"},
      {"out-of-range parameter",
       {coffee, "--plan-file", (dir / "out-of-range.json").string()},
       4,
       "'contrast' = 7 is out of range [-1, 1]"},
      {"mask of the wrong size",
       {coffee, "-p", "increase contrast", "--mask", (dir / "small-mask.png").string()},
       4,
       "is 20x20 but the image it applies to is 600x400"},
      {"unknown output format", {coffee, "-p", "increase contrast", "-o", (dir / "out.gif").string()}, 2, ".gif"},
      {"nothing supported", {coffee, "-p", "make it sound like jazz"}, 4, "not done: \"make it sound like jazz\""},
      {"generative edit without a model",
       {coffee, "-p", "add a hat on the left"},
       5,
       "object.add needs a Stable Diffusion model"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.name);
    const fs::path output = dir / ("out-" + std::to_string(&bad - cases.data()) + ".png");
    std::vector<std::string> args{"edit"};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    if (std::find(args.begin(), args.end(), "-o") == args.end()) {
      args.insert(args.end(), {"-o", output.string(), "--report", (dir / "report.json").string()});
    }
    const test::CliRun run = test::run_easel(args);
    EXPECT_EQ(run.exit_code, bad.exit_code) << run.err;
    EXPECT_NE(run.err.find(bad.message), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(output));
    EXPECT_FALSE(fs::exists(dir / "report.json"));
    EXPECT_FALSE(fs::exists(dir / "out.gif"));
  }
}

}  // namespace
}  // namespace easel
