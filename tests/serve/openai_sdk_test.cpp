// The official OpenAI Node SDK (npm `openai`, installed by scripts/install-test-clients.sh outside the
// repository) talks to `easel serve` with only its base URL changed.
#include <gtest/gtest.h>

#include <cstdlib>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

std::filesystem::path test_clients_dir() {
  if (const char* dir = std::getenv("EASEL_TEST_CLIENTS"); dir && *dir) return dir;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
    return std::filesystem::path(cache) / "easel" / "test-clients";
  return std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : "/root") / ".cache" / "easel" /
         "test-clients";
}

TEST(OpenAISdk, ImagesEditWorksWithOnlyTheBaseUrlChanged) {
  const auto modules = test_clients_dir() / "node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules / "openai" / "package.json"))
      << "the openai npm package is missing from " << modules << ": run scripts/install-test-clients.sh";
  // One worker and one queue slot, so the script's burst of edits meets a full queue.
  ServerProcess server(temp_dir() / "data",
                       {"--api-key", "sk-easel-sdk-test", "--workers", "1", "--queue-length", "1"});
  const Image source = load_photo("coffee.png");
  cv::Mat mask(source.height(), source.width(), CV_8UC4, cv::Scalar(0, 0, 0, 255));
  const cv::Rect edited(source.width() / 4, source.height() / 4, source.width() / 2, source.height() / 2);
  mask(edited).setTo(cv::Scalar(0, 0, 0, 0));  // alpha 0: the centre is the area to edit
  const auto mask_file = temp_dir() / "mask.png";
  ASSERT_TRUE(cv::imwrite(mask_file.string(), mask));
  const auto masked_file = temp_dir() / "masked.png";
  const auto output = temp_dir() / "node-output.txt";
  const std::string script = std::filesystem::path(EASEL_SERVER_TEST_DIR) / "openai_sdk_edit.cjs";
  const std::string command = "NODE_PATH='" + modules.string() + "' node '" + script + "' '" + server.base_url() +
                              "/v1' sk-easel-sdk-test '" + photo("coffee.png").string() + "' '" +
                              photo("chelsea.png").string() + "' '" + mask_file.string() + "' '" +
                              masked_file.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << file_text(output);
  EXPECT_NE(file_text(output).find("\"ok\":true"), std::string::npos) << file_text(output);

  // The masked edit through the SDK: every pixel outside the mask's edit area is the source's.
  ASSERT_TRUE(std::filesystem::exists(masked_file)) << file_text(output);
  const Image result = read_image_file(masked_file, DecodeLimits{}).image;
  ASSERT_EQ(result.width(), source.width());
  ASSERT_EQ(result.height(), source.height());
  cv::Mat outside = cv::Mat::ones(source.height(), source.width(), CV_8U);
  outside(edited).setTo(0);
  cv::Mat difference;
  cv::absdiff(result.mat(), source.mat(), difference);
  cv::Mat changed_outside;
  cv::transform(difference, changed_outside, cv::Matx14f(1, 1, 1, 1));
  EXPECT_EQ(cv::countNonZero((changed_outside > 0) & outside), 0) << "pixels outside the mask's edit area changed";
  const cv::Vec4b centre = result.mat().at<cv::Vec4b>(source.height() / 2, source.width() / 2);
  EXPECT_TRUE(centre[0] == centre[1] && centre[1] == centre[2]) << "the edit area is black and white";
}

TEST(OpenAISdk, ImagesGenerateWorksWithOnlyTheBaseUrlChanged) {
  const auto modules = test_clients_dir() / "node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules / "openai" / "package.json"))
      << "the openai npm package is missing from " << modules << ": run scripts/install-test-clients.sh";
  // The reference model, installed by name (the server takes names, never paths).
  const auto reference = reference_dir() / "sd" / "models" / "sd1";
  ASSERT_TRUE(std::filesystem::is_regular_file(reference / "model_index.json"))
      << "missing reference model " << reference;
  const auto models = temp_dir() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::create_symlink(std::filesystem::absolute(reference), models / "sd1");
  ::setenv("EASEL_MODELS", models.c_str(), 1);
  ::setenv("EASEL_TOKENIZER", (reference_dir() / "sd" / "tokenizer").c_str(), 1);
  ServerProcess server(temp_dir() / "generate-data", {"--api-key", "sk-easel-sdk-test"});
  // A small photo to make variations of (the reference model is fast at 64x64).
  cv::Mat small;
  cv::resize(load_photo("astronaut.png").mat(), small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
  const auto small_file = temp_dir() / "small.png";
  ASSERT_TRUE(cv::imwrite(small_file.string(), small));
  const auto output = temp_dir() / "node-generate-output.txt";
  const std::string script = std::filesystem::path(EASEL_SERVER_TEST_DIR) / "openai_sdk_generate.cjs";
  const std::string command = "NODE_PATH='" + modules.string() + "' node '" + script + "' '" + server.base_url() +
                              "/v1' sk-easel-sdk-test sd1 '" + small_file.string() + "' > '" + output.string() +
                              "' 2>&1";
  const int status = std::system(command.c_str());
  ::unsetenv("EASEL_MODELS");
  ::unsetenv("EASEL_TOKENIZER");
  EXPECT_EQ(status, 0) << file_text(output);
  EXPECT_NE(file_text(output).find("\"ok\":true"), std::string::npos) << file_text(output);
}

}  // namespace
}  // namespace easel::test
