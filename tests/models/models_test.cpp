// Models on disk: what `easel models list/show/pull` report and do, driven through the real binary
// against a loopback hub serving the tiny reference models (../shared/reference/sd/models). The binary
// reads where models are from its environment; in-process calls into the library are given the same
// places explicitly (models::ModelPaths, models::HubSettings).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/models/checksum.hpp"
#include "easel/models/hub_pull.hpp"
#include "easel/models/model_catalog.hpp"
#include "easel/models/model_family.hpp"
#include "easel/models/model_store.hpp"
#include "loopback_hub.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::test {
namespace {

const std::string commit = "0123456789abcdef0123456789abcdef01234567";
// No models directory and no Hugging Face cache: a sidecar's base named by name is never found.
const models::ModelPaths nowhere{};

fs::path reference_models() {
  const fs::path dir = reference_dir() / "sd" / "models";
  EXPECT_TRUE(fs::is_directory(dir)) << "reference models not found in " << dir;
  return dir;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << file;
  return {std::istreambuf_iterator<char>(in), {}};
}

// The reference SD1 diffusers folder as a hub repository, plus files a pull must leave alone: pickle
// weights, an fp16 variant, and a component model_index.json does not name.
std::map<std::string, HubFile> sd1_repository() {
  std::map<std::string, HubFile> files;
  const fs::path root = reference_models() / "sd1";
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file()) {
      const std::string path = fs::relative(entry.path(), root).generic_string();
      files[path] = {read_bytes(entry.path()), entry.path().extension() == ".safetensors"};
    }
  files["unet/diffusion_pytorch_model.bin"] = {"pickle bytes that must never be fetched", true};
  files["unet/diffusion_pytorch_model.fp16.safetensors"] = {"a variant the default pull skips", true};
  files["safety_checker/model.safetensors"] = {"a component the index does not name", true};
  files["README.md"] = {"# tiny sd1\n", false};
  return files;
}

const std::vector<std::string> sd1_model_files = {"model_index.json",
                                                  "scheduler/scheduler_config.json",
                                                  "text_encoder/config.json",
                                                  "text_encoder/model.safetensors",
                                                  "tokenizer/special_tokens_map.json",
                                                  "tokenizer/tokenizer_config.json",
                                                  "unet/config.json",
                                                  "unet/diffusion_pytorch_model.safetensors",
                                                  "vae/config.json",
                                                  "vae/diffusion_pytorch_model.safetensors"};

std::vector<std::string> files_under(const fs::path& folder) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with('.'))
      files.push_back(fs::relative(entry.path(), folder).generic_string());
  std::sort(files.begin(), files.end());
  return files;
}

class ModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    models_ = temp_dir() / "models";
    hub_cache_ = temp_dir() / "hub-cache";
    fs::create_directories(hub_cache_);
    // What the `easel` runs read; in-process calls get paths() instead.
    ::setenv("EASEL_MODELS", models_.c_str(), 1);
    ::setenv("HF_HUB_CACHE", hub_cache_.c_str(), 1);
    ::setenv("HF_ENDPOINT", (hub_.endpoint() + "/").c_str(), 1);  // a trailing slash is accepted, as by huggingface_hub
    ::unsetenv("HF_TOKEN");
    hub_.add_repo("tiny/sd1", commit, sd1_repository());
  }

  models::ModelPaths paths() const { return {models_, hub_cache_}; }

  json list() {
    const CliRun run = run_easel({"models", "list", "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return json::parse(run.out);
  }

  static const json* find(const json& listing, const std::string& name) {
    for (const auto& model : listing["models"])
      if (model["name"] == name) return &model;
    return nullptr;
  }

  void expect_identical_to_reference(const fs::path& folder) {
    for (const auto& path : sd1_model_files)
      EXPECT_EQ(read_bytes(folder / path), read_bytes(reference_models() / "sd1" / path)) << path;
  }

  LoopbackHub hub_;
  fs::path models_;
  fs::path hub_cache_;
};

TEST_F(ModelsTest, PullPublishesTheVerifiedPipelineFilesAndNoPickles) {
  const CliRun run = run_easel({"models", "pull", "tiny/sd1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const fs::path folder = models_ / "tiny" / "sd1";
  std::vector<std::string> expected = sd1_model_files;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(files_under(folder), expected);  // no .bin, no fp16 variant, no unnamed component, no README
  expect_identical_to_reference(folder);
  EXPECT_EQ(json::parse(run.out)["commit"], commit);
  EXPECT_NE(run.err.find("unet/diffusion_pytorch_model.safetensors"), std::string::npos) << "progress on stderr";
  EXPECT_EQ(hub_.listing_authorizations(), std::vector<std::string>{""}) << "no HF_TOKEN: no Authorization header";

  const json listing = list();
  const json* model = find(listing, "tiny/sd1");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ((*model)["family"], "SD1");
  EXPECT_EQ((*model)["layout"], "diffusers");
  EXPECT_EQ((*model)["variant"], "text-to-image");
  EXPECT_EQ((*model)["source"], "models-dir");
  EXPECT_EQ((*model)["path"], folder.string());
  std::uintmax_t pulled_bytes = 0;
  for (const auto& path : sd1_model_files) pulled_bytes += fs::file_size(reference_models() / "sd1" / path);
  EXPECT_EQ((*model)["bytes"].get<std::uintmax_t>(), pulled_bytes);
  const auto& enables = (*model)["enables"];
  EXPECT_NE(std::find(enables.begin(), enables.end(), "generate.image"), enables.end()) << enables;

  const CliRun show = run_easel({"models", "show", "tiny/sd1", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(json::parse(show.out)["path"], folder.string());
}

TEST_F(ModelsTest, PullResumesWithARangeRequestAfterADroppedConnection) {
  const std::string weights = "text_encoder/model.safetensors";
  hub_.drop_once(weights);
  const CliRun run = run_easel({"models", "pull", "tiny/sd1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::uintmax_t size = fs::file_size(reference_models() / "sd1" / weights);
  const std::vector<std::string> ranges = hub_.range_headers(weights);
  ASSERT_EQ(ranges.size(), 1u) << "exactly one resumed transfer";
  EXPECT_EQ(ranges[0], "bytes=" + std::to_string(size / 2) + "-") << "resumed where the body was cut";
  EXPECT_EQ(json::parse(run.out)["resumed_transfers"], 1);
  EXPECT_NE(run.err.find("resuming " + weights), std::string::npos) << run.err;
  expect_identical_to_reference(models_ / "tiny" / "sd1");
}

TEST_F(ModelsTest, CorruptedFileIsRefusedAndNothingIsPublished) {
  hub_.corrupt("vae/diffusion_pytorch_model.safetensors");
  const CliRun run = run_easel({"models", "pull", "tiny/sd1"});
  EXPECT_EQ(run.exit_code, static_cast<int>(ErrorKind::input)) << run.err;
  EXPECT_NE(run.err.find("vae/diffusion_pytorch_model.safetensors"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("corrupt"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(models_ / "tiny")) << "a failed pull publishes nothing";
  EXPECT_EQ(find(list(), "tiny/sd1"), nullptr);

  hub_.corrupt("");  // the hub serves the right bytes again: the next pull completes
  const CliRun again = run_easel({"models", "pull", "tiny/sd1"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  expect_identical_to_reference(models_ / "tiny" / "sd1");
  EXPECT_EQ(hub_.body_requests("unet/diffusion_pytorch_model.safetensors"), 1)
      << "verified files are not fetched twice";
}

TEST_F(ModelsTest, AModelBeingDownloadedIsNeverListed) {
  const std::string weights = "unet/diffusion_pytorch_model.safetensors";
  hub_.pause(weights);
  auto pull = std::async(std::launch::async, [] { return run_easel({"models", "pull", "tiny/sd1"}); });
  ASSERT_TRUE(hub_.wait_until_paused(60)) << "the pull never reached the paused file";

  const json during = list();
  EXPECT_TRUE(during["models"].empty()) << during.dump(2);
  bool part_on_disk = false;  // proves the listing ran while bytes were half written
  for (const auto& entry : fs::recursive_directory_iterator(models_))
    part_on_disk = part_on_disk || entry.path().extension() == ".part";
  EXPECT_TRUE(part_on_disk);
  const CliRun show = run_easel({"models", "show", "tiny/sd1"});
  EXPECT_EQ(show.exit_code, static_cast<int>(ErrorKind::capability)) << show.out;

  hub_.release();
  const CliRun finished = pull.get();
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_NE(find(list(), "tiny/sd1"), nullptr);
  expect_identical_to_reference(models_ / "tiny" / "sd1");
}

// A repository laid out the way huggingface_hub caches it: content-addressed blobs, a snapshot of
// relative symlinks per commit, and refs/main naming the commit.
void write_hub_cache_repo(const fs::path& cache, const std::string& org, const std::string& name,
                          const fs::path& source) {
  const fs::path repo = cache / ("models--" + org + "--" + name);
  const fs::path snapshot = repo / "snapshots" / commit;
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << commit;
  for (const auto& entry : fs::recursive_directory_iterator(source)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = read_bytes(entry.path());
    const std::string blob = entry.path().extension() == ".safetensors" ? sha256_hex(bytes) : git_blob_id(bytes);
    std::ofstream(repo / "blobs" / blob, std::ios::binary) << bytes;
    const fs::path link = snapshot / fs::relative(entry.path(), source);
    fs::create_directories(link.parent_path());
    fs::create_symlink(fs::relative(repo / "blobs" / blob, link.parent_path()), link);
  }
}

TEST_F(ModelsTest, ModelsInTheHuggingFaceCacheAreFoundButNotOnesStillDownloading) {
  write_hub_cache_repo(hub_cache_, "tiny-org", "sd2", reference_models() / "sd2");
  write_hub_cache_repo(hub_cache_, "tiny-org", "ip2p", reference_models() / "ip2p");
  const fs::path downloading = hub_cache_ / "models--tiny-org--ip2p" / "blobs" / "abc.incomplete";
  std::ofstream(downloading) << "half a file";

  json listing = list();
  ASSERT_EQ(listing["models"].size(), 1u) << listing.dump(2);
  const json& model = listing["models"][0];
  EXPECT_EQ(model["name"], "tiny-org/sd2");
  EXPECT_EQ(model["source"], "hf-cache");
  EXPECT_EQ(model["family"], "SD2");
  EXPECT_EQ(model["prediction"], "v_prediction");
  const fs::path snapshot = hub_cache_ / "models--tiny-org--sd2" / "snapshots" / commit;
  EXPECT_EQ(model["path"], snapshot.string());
  std::uintmax_t reference_bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(reference_models() / "sd2"))
    if (entry.is_regular_file()) reference_bytes += entry.file_size();
  EXPECT_EQ(model["bytes"].get<std::uintmax_t>(), reference_bytes)
      << "sizes follow the snapshot's symlinks into the blobs";

  const CliRun show = run_easel({"models", "show", "tiny-org/sd2", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(json::parse(show.out)["path"], snapshot.string());

  fs::remove(downloading);  // the hub finished: now it is listed, as InstructPix2Pix
  listing = list();
  const json* ip2p = find(listing, "tiny-org/ip2p");
  ASSERT_NE(ip2p, nullptr);
  EXPECT_EQ((*ip2p)["variant"], "instruct-pix2pix");
  EXPECT_EQ((*ip2p)["missing"], json::array({"vae", "text_encoder"}));
  // A UNet-only model without a base cannot run: it enables nothing until one is named.
  EXPECT_EQ((*ip2p)["usable"], false);
  EXPECT_TRUE((*ip2p)["enables"].empty());
  EXPECT_NE(ip2p->value("problem", "").find("\"base\""), std::string::npos) << ip2p->dump(2);
}

// What the HTTP API tells clients instead of a path on the server.
TEST_F(ModelsTest, AResolvedModelIsNamedWithoutTheServersPaths) {
  write_hub_cache_repo(hub_cache_, "tiny-org", "sd2", reference_models() / "sd2");
  fs::create_directories(models_ / "sd15-inpainting");
  EXPECT_EQ(models::model_display_name(paths(), models_ / "sd15-inpainting"), "sd15-inpainting");
  EXPECT_EQ(models::model_display_name(paths(), models_ / "acme" / "sdxl" / "model.safetensors"),
            "acme/sdxl/model.safetensors");
  const fs::path snapshot = hub_cache_ / "models--tiny-org--sd2" / "snapshots" / commit;
  EXPECT_EQ(models::model_display_name(paths(), snapshot), "tiny-org/sd2");
  EXPECT_EQ(models::model_display_name(paths(), snapshot / "v1-5-pruned.safetensors"), "tiny-org/sd2/v1-5-pruned");
  EXPECT_EQ(models::model_display_name(paths(), "/srv/weights/custom-sd15/"), "custom-sd15");
  EXPECT_EQ(models::model_display_name(paths(), models::resolve_model_name(paths(), "tiny-org/sd2")), "tiny-org/sd2")
      << "the name resolves back";
  EXPECT_EQ(models::model_display_name(nowhere, models_ / "sd15-inpainting"), "sd15-inpainting")
      << "without a models directory, the folder's own name";
}

TEST_F(ModelsTest, AMissingModelNamesItselfAndThePullCommand) {
  const CliRun run = run_easel({"models", "show", "acme/missing-model"});
  EXPECT_EQ(run.exit_code, static_cast<int>(ErrorKind::capability));
  EXPECT_NE(run.err.find("\"acme/missing-model\""), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("`easel models pull acme/missing-model`"), std::string::npos) << run.err;

  try {
    models::resolve_model(paths(), "acme/several/sd2-base");
    FAIL() << "resolved a model that is not installed";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("easel models pull acme/several --file sd2-base.safetensors"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(ModelsTest, PullFetchesOnlyTheNamedSingleFileAndRefusesPickles) {
  std::map<std::string, HubFile> files;
  for (const char* name : {"sd1.safetensors", "sd2.safetensors"})
    files[name] = {read_bytes(reference_models() / name), true};
  files["v1-5-pruned.ckpt"] = {"pickle", true};
  hub_.add_repo("tiny/checkpoints", commit, files);

  const CliRun pickle = run_easel({"models", "pull", "tiny/checkpoints", "--file", "v1-5-pruned.ckpt"});
  EXPECT_EQ(pickle.exit_code, static_cast<int>(ErrorKind::usage));
  EXPECT_NE(pickle.err.find("pickle"), std::string::npos) << pickle.err;
  EXPECT_EQ(hub_.body_requests("v1-5-pruned.ckpt"), 0);

  const CliRun run = run_easel({"models", "pull", "tiny/checkpoints", "--file", "sd2.safetensors"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(files_under(models_ / "tiny" / "checkpoints"), std::vector<std::string>{"sd2.safetensors"});
  const json single = list();
  const json* model = find(single, "tiny/checkpoints");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ((*model)["layout"], "single-file");
  EXPECT_EQ((*model)["family"], "SD2");
  EXPECT_EQ((*model)["components"], json::array({"unet", "vae", "text_encoder"}));

  // A second pull adds a file beside the first; both are then named by their file.
  ASSERT_EQ(run_easel({"models", "pull", "tiny/checkpoints", "--file", "sd1.safetensors"}).exit_code, 0);
  const json listing = list();
  ASSERT_NE(find(listing, "tiny/checkpoints/sd1"), nullptr) << listing.dump(2);
  EXPECT_EQ((*find(listing, "tiny/checkpoints/sd1"))["family"], "SD1");
  EXPECT_EQ((*find(listing, "tiny/checkpoints/sd2"))["family"], "SD2");
}

// A LoRA repository as diffusers' training scripts publish one: its weights file at the top level.
TEST_F(ModelsTest, PullFetchesALoraWhichIsListedAsOne) {
  const fs::path loras = reference_dir() / "lora" / "loras";
  hub_.add_repo("tiny/watercolor-lora", commit,
                {{"pytorch_lora_weights.safetensors", {read_bytes(loras / "sd1_lora_diffusers.safetensors"), true}},
                 {"README.md", {"# watercolor", false}}});
  const CliRun run = run_easel({"models", "pull", "tiny/watercolor-lora"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json listing = list();
  const json* lora = find(listing, "tiny/watercolor-lora");
  ASSERT_NE(lora, nullptr) << listing.dump(2);
  EXPECT_EQ((*lora)["family"], "LoRA");
  EXPECT_EQ((*lora)["variant"], "diffusers LoRA");
  EXPECT_EQ((*lora)["enables"], json::array());
}

TEST_F(ModelsTest, ADamagedFileIsListedAsUnusableWithTheReason) {
  fs::create_directories(models_);
  const std::string bytes = read_bytes(reference_models() / "sd1.safetensors");
  std::ofstream(models_ / "truncated.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  fs::copy_file(reference_models() / "sd1.safetensors", models_ / "whole.safetensors");
  const json listing = list();
  ASSERT_EQ(listing["models"].size(), 2u) << listing.dump(2);
  const json* damaged = find(listing, "truncated");
  ASSERT_NE(damaged, nullptr);
  EXPECT_TRUE(damaged->contains("problem")) << damaged->dump(2);
  EXPECT_TRUE((*damaged)["enables"].empty());
  EXPECT_EQ((*find(listing, "whole"))["family"], "SD1");
}

// `easel models list` agrees with what runs (issue 16): a single file is usable with the sidecar its
// tensors need and not without (the listing names the file to write); a UNet-only model is usable
// with an installed base that supplies what it lacks, and not otherwise.
TEST_F(ModelsTest, SingleFilesAndUnetOnlyModelsAreUsableOnlyWhenTheyCanRun) {
  install_single_file(models_, "sd1", "tiny-sd1");
  fs::copy_file(reference_models() / "sd1.safetensors", models_ / "bare-sd1.safetensors");
  install_single_file(models_, "inpaint_unet_only", "lonely-inpaint");
  install_single_file(models_, "inpaint_unet_only", "tiny-inpaint", {{"base", "tiny-sd1"}});
  install_single_file(models_, "ip2p_unet_only", "lost-ip2p", {{"base", "not-installed"}});
  install_single_file(models_, "ip2p_unet_only", "sd2-based-ip2p", {{"base", "./tiny-sd2.safetensors"}});
  install_single_file(models_, "sd2", "tiny-sd2");
  // A diffusers folder names its base in its easel.json.
  const fs::path folder = models_ / "inpaint-folder";
  fs::create_directories(folder);
  for (const std::string part : {"model_index.json", "unet", "scheduler"})
    fs::create_symlink(fs::absolute(reference_models() / "inpaint" / part), folder / part);
  std::ofstream(folder / "easel.json") << R"({"base": "tiny-sd1"})";

  const json listing = list();
  const auto model = [&](const std::string& name) {
    const json* found = find(listing, name);
    EXPECT_NE(found, nullptr) << name << " in " << listing.dump(2);
    return found ? *found : json::object();
  };
  EXPECT_EQ(model("tiny-sd1")["usable"], true) << model("tiny-sd1").dump(2);
  EXPECT_FALSE(model("tiny-sd1").contains("problem"));
  const json bare = model("bare-sd1");
  EXPECT_EQ(bare["usable"], false);
  EXPECT_EQ(bare["family"], "SD1");
  EXPECT_TRUE(bare["enables"].empty());
  EXPECT_NE(bare.value("problem", "").find("bare-sd1.easel.json"), std::string::npos) << bare.dump(2);
  EXPECT_NE(bare.value("problem", "").find("text_encoder.num_attention_heads"), std::string::npos) << bare.dump(2);
  EXPECT_EQ(model("lonely-inpaint")["usable"], false);
  EXPECT_NE(model("lonely-inpaint").value("problem", "").find("{\"base\": \"NAME\"} in"), std::string::npos)
      << model("lonely-inpaint").dump(2);
  for (const std::string name : {"tiny-inpaint", "inpaint-folder"}) {
    const json based = model(name);
    EXPECT_EQ(based["usable"], true) << based.dump(2);
    EXPECT_EQ(based["base"], "tiny-sd1");
    EXPECT_EQ(based["missing"], json::array({"vae", "text_encoder"}));
    EXPECT_NE(std::find(based["enables"].begin(), based["enables"].end(), "object.replace"), based["enables"].end())
        << based.dump(2);
  }
  EXPECT_NE(model("lost-ip2p").value("problem", "").find("its base \"not-installed\""), std::string::npos)
      << model("lost-ip2p").dump(2);
  EXPECT_NE(model("sd2-based-ip2p").value("problem", "").find("takes 32-wide text, but its base"), std::string::npos)
      << model("sd2-based-ip2p").dump(2);

  const CliRun text = run_easel({"models", "list"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bare-sd1  SD1 text-to-image (4-channel UNet), single-file"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  unusable: single-file model"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  takes vae, text_encoder from its base tiny-sd1"), std::string::npos) << text.out;
}

TEST_F(ModelsTest, UnknownRepositoryIsAClearError) {
  const CliRun run = run_easel({"models", "pull", "nobody/nothing"});
  EXPECT_EQ(run.exit_code, static_cast<int>(ErrorKind::input));
  EXPECT_NE(run.err.find("nobody/nothing"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("404"), std::string::npos) << run.err;
  const CliRun bad = run_easel({"models", "pull", "../escape"});
  EXPECT_EQ(bad.exit_code, static_cast<int>(ErrorKind::usage)) << bad.err;
}

// The library takes its settings from the caller: EASEL_MODELS and HF_TOKEN are the command's business.
TEST_F(ModelsTest, ALibraryPullGoesWhereItIsToldWithTheTokenItIsGiven) {
  const fs::path elsewhere = temp_dir() / "given-models";
  models::PullRequest request;
  request.repo = "tiny/sd1";
  std::vector<std::string> files_reported;
  const auto report = [&](const models::PullProgress& progress) {
    if (progress.event == "verify") files_reported.push_back(progress.file);
  };
  const models::PullResult result = models::pull_model(request, models::ModelPaths{elsewhere, hub_cache_},
                                                       models::HubSettings{hub_.endpoint(), "hf_given"}, report);
  EXPECT_EQ(result.folder, elsewhere / "tiny" / "sd1");
  expect_identical_to_reference(result.folder);
  EXPECT_EQ(files_reported.size(), sd1_model_files.size());
  EXPECT_FALSE(fs::exists(models_)) << "nothing went to $EASEL_MODELS";
  EXPECT_EQ(hub_.listing_authorizations(), std::vector<std::string>{"Bearer hf_given"});
}

TEST_F(ModelsTest, TheCommandSendsTheTokenInHfToken) {
  ::setenv("HF_TOKEN", "hf_from_environment", 1);
  const CliRun run = run_easel({"models", "pull", "tiny/sd1"});
  ::unsetenv("HF_TOKEN");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(hub_.listing_authorizations(), std::vector<std::string>{"Bearer hf_from_environment"});
}

TEST(ModelFamily, SingleFilesAreRecognisedFromTheirTensors) {
  const fs::path dir = reference_models();
  const auto sd1 = models::inspect_model(nowhere, dir / "sd1.safetensors", "sd1");
  EXPECT_EQ(sd1.family, "SD1");
  EXPECT_EQ(sd1.in_channels, 4);
  EXPECT_TRUE(sd1.missing.empty());
  EXPECT_EQ(models::inspect_model(nowhere, dir / "sd2.safetensors", "sd2").family, "SD2");
  EXPECT_EQ(models::inspect_model(nowhere, dir / "sd2.safetensors", "stabilityai/sd-turbo").family, "SD-Turbo");
  const auto inpaint = models::inspect_model(nowhere, dir / "inpaint_unet_only.safetensors", "inpaint");
  EXPECT_EQ(inpaint.in_channels, 9);
  EXPECT_EQ(inpaint.variant, "inpainting");
  EXPECT_EQ(inpaint.missing, (std::vector<std::string>{"vae", "text_encoder"}));
  EXPECT_EQ(std::count(inpaint.enables.begin(), inpaint.enables.end(), "generate.image"), 0);
  EXPECT_EQ(std::count(inpaint.enables.begin(), inpaint.enables.end(), "canvas.expand"), 1);
  const auto ip2p = models::inspect_model(nowhere, dir / "ip2p_unet_only.safetensors", "ip2p");
  EXPECT_EQ(ip2p.in_channels, 8);
  EXPECT_EQ(ip2p.enables, std::vector<std::string>{"generate.instruct"});
}

TEST(ModelFamily, LoraFilesAreRecognisedByTheirNaming) {
  const fs::path loras = reference_dir() / "lora" / "loras";
  const std::map<std::string, std::string> namings = {{"sd1_locon_kohya.safetensors", "kohya LoRA"},
                                                      {"sdxl_locon_kohya.safetensors", "kohya LoRA"},
                                                      {"sd1_lora_diffusers.safetensors", "diffusers LoRA"},
                                                      {"sd1_lora_peft.safetensors", "peft LoRA"}};
  for (const auto& [file, naming] : namings) {
    const auto traits = models::inspect_model(nowhere, loras / file, file);
    EXPECT_EQ(traits.family, "LoRA") << file;
    EXPECT_EQ(traits.variant, naming) << file;
    EXPECT_TRUE(traits.enables.empty()) << file;
    EXPECT_TRUE(traits.problem.empty()) << file << ": " << traits.problem;
  }
}

// What a model enables is read from the registry: every operation taking a `model` that its UNet serves.
// (A hand-written list here had lost generate.variation, which a text-to-image model runs.)
TEST(ModelFamily, WhatAModelEnablesFollowsTheRegistry) {
  const auto sd1 = models::inspect_model(nowhere, reference_models() / "sd1.safetensors", "sd1");
  for (const char* op : {"generate.image", "generate.img2img", "generate.variation", "object.add", "object.replace",
                         "object.remove", "background.replace", "canvas.expand", "text.replace"}) {
    EXPECT_EQ(std::count(sd1.enables.begin(), sd1.enables.end(), op), 1) << op;
  }
  EXPECT_EQ(std::count(sd1.enables.begin(), sd1.enables.end(), "generate.instruct"), 0);
  EXPECT_EQ(std::count(sd1.enables.begin(), sd1.enables.end(), "color.adjust"), 0);
  const auto inpaint = models::inspect_model(nowhere, reference_models() / "inpaint_unet_only.safetensors", "inpaint");
  EXPECT_EQ(std::count(inpaint.enables.begin(), inpaint.enables.end(), "generate.variation"), 0);
  EXPECT_EQ(std::count(inpaint.enables.begin(), inpaint.enables.end(), "object.remove"), 1);
}

TEST(ModelFamily, DiffusersFoldersAreRecognisedFromTheirConfigs) {
  const fs::path dir = reference_models();
  const auto sd2 = models::inspect_model(nowhere, dir / "sd2", "sd2");
  EXPECT_EQ(sd2.family, "SD2");
  EXPECT_EQ(sd2.prediction, "v_prediction");
  EXPECT_EQ(models::inspect_model(nowhere, dir / "inpaint", "inpaint").in_channels, 9);
  EXPECT_EQ(models::inspect_model(nowhere, dir / "sd1", "sd1").family, "SD1");

  // SD-Turbo is SD2.1 sampled with a trailing timestep schedule.
  const fs::path turbo = temp_dir() / "turbo";
  fs::copy(dir / "sd2", turbo, fs::copy_options::recursive);
  fs::permissions(turbo / "scheduler", fs::perms::owner_all, fs::perm_options::add);
  fs::remove(turbo / "scheduler" / "scheduler_config.json");
  fs::copy_file(dir / "sd2" / "scheduler_variants" / "euler_epsilon_trailing_turbo.json",
                turbo / "scheduler" / "scheduler_config.json");
  EXPECT_EQ(models::inspect_model(nowhere, turbo, "local-model").family, "SD-Turbo");
}

// SDXL: the base and its inpainting UNet, the refiner (bigG-only text, aesthetic-score time ids) and
// SDXL-Turbo (a trailing schedule, or the name), as folders and as single files.
TEST(ModelFamily, SdxlModelsAreRecognisedInBothLayouts) {
  const fs::path dir = reference_dir() / "sdxl" / "models";
  const auto base = models::inspect_model(nowhere, dir / "base", "sdxl");
  EXPECT_EQ(base.family, "SDXL");
  EXPECT_EQ(base.variant, "text-to-image");
  EXPECT_TRUE(base.missing.empty()) << base.missing.front();
  EXPECT_EQ(base.text_width, 28) << "CLIP-L's 12 and bigG's 16";
  EXPECT_EQ(std::count(base.enables.begin(), base.enables.end(), "generate.image"), 1);
  EXPECT_EQ(models::inspect_model(nowhere, dir / "base", "stabilityai/sdxl-turbo").family, "SDXL-Turbo");
  const auto refiner = models::inspect_model(nowhere, dir / "refiner", "refiner");
  EXPECT_EQ(refiner.family, "SDXL-refiner");
  EXPECT_EQ(refiner.missing, (std::vector<std::string>{"vae", "text_encoder_2"})) << "the refiner needs no CLIP-L";
  EXPECT_EQ(models::inspect_model(nowhere, dir / "inpaint", "inpaint").variant, "inpainting");

  const auto file = models::inspect_model(nowhere, dir / "sdxl_base.safetensors", "sdxl");
  EXPECT_EQ(file.family, "SDXL");
  EXPECT_EQ(file.components, (std::vector<std::string>{"unet", "vae", "text_encoder", "text_encoder_2"}));
  EXPECT_NE(file.problem.find("norm_num_groups"), std::string::npos)
      << "the tiny networks' GroupNorm groups need a sidecar: " << file.problem;
  EXPECT_EQ(models::inspect_model(nowhere, dir / "sdxl_base.safetensors", "acme/sdxl-turbo-finetune").family,
            "SDXL-Turbo");
  EXPECT_EQ(models::inspect_model(nowhere, dir / "sdxl_inpaint_unet_only.safetensors", "x").in_channels, 9);
}

TEST(ModelStore, PathsPassThroughAndPicklesAreRefused) {
  const fs::path dir = reference_models();
  EXPECT_EQ(models::resolve_model(nowhere, (dir / "sd1.safetensors").string()), dir / "sd1.safetensors");
  EXPECT_EQ(models::resolve_model(nowhere, (dir / "sd1").string()), dir / "sd1");
  try {
    models::resolve_model(nowhere, "/models/v1-5-pruned.ckpt");
    FAIL() << "a pickle checkpoint was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
    EXPECT_NE(std::string(error.what()).find("pickle"), std::string::npos);
  }
  try {
    models::resolve_model(nowhere, "sd1");
    FAIL() << "a name resolved without a models directory";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("no models directory"), std::string::npos) << error.what();
  }
}

// A base named in a sidecar is looked up in the models directory the caller gives.
TEST(ModelStore, ASidecarsBaseIsFoundInTheGivenModelsDirectory) {
  const fs::path folder = temp_dir() / "given-models";
  install_single_file(folder, "sd1", "tiny-sd1");
  const fs::path model = install_single_file(folder, "inpaint_unet_only", "tiny-inpaint", {{"base", "tiny-sd1"}});
  const models::ModelTraits based = models::inspect_model(models::ModelPaths{folder, {}}, model, "tiny-inpaint");
  EXPECT_TRUE(based.problem.empty()) << based.problem;
  EXPECT_EQ(based.base, "tiny-sd1");
  const models::ModelTraits lost = models::inspect_model(models::ModelPaths{temp_dir() / "empty", {}}, model, "x");
  EXPECT_NE(lost.problem.find("its base \"tiny-sd1\""), std::string::npos) << lost.problem;
}

// With no Hugging Face cache (neither its variables nor HOME), a hub name is not looked for in the
// working directory as a relative models--ORG--NAME folder.
TEST(ModelStore, WithoutAHubCacheNoFolderIsTakenForIt) {
  const fs::path work = temp_dir();
  write_hub_cache_repo(work, "tiny-org", "sd2", reference_models() / "sd2");
  const fs::path models_dir = temp_dir() / "models";
  const fs::path previous = fs::current_path();
  fs::current_path(work);
  const std::vector<models::ModelLocation> found =
      models::locate_model(models::ModelPaths{models_dir, {}}, "tiny-org/sd2");
  fs::current_path(previous);
  EXPECT_TRUE(found.empty()) << found.front().path;
  EXPECT_EQ(models::locate_model(models::ModelPaths{models_dir, work}, "tiny-org/sd2").size(), 1u)
      << "the same folder is found as the cache it is";
}

// Sets or unsets environment variables for the `easel` runs of one test, and restores them after it.
class EnvironmentForEasel {
 public:
  EnvironmentForEasel() = default;
  EnvironmentForEasel(const EnvironmentForEasel&) = delete;
  EnvironmentForEasel& operator=(const EnvironmentForEasel&) = delete;
  ~EnvironmentForEasel() {
    for (const auto& [name, value] : saved_)
      value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
  }
  void set(const std::string& name, const std::optional<fs::path>& value) {
    if (!saved_.contains(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// docs/models.md, "Where models live": each variable wins over the next, an empty one counts as unset.
TEST(ModelPathsFromEnvironment, TheCommandLooksWhereItsEnvironmentSaysInTheDocumentedOrder) {
  EnvironmentForEasel environment;
  const fs::path root = temp_dir() / "environment";
  const auto where = [] {
    const CliRun run = run_easel({"models", "list", "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const json listing = json::parse(run.out, nullptr, false);
    return std::pair<fs::path, fs::path>(listing.value("models_dir", ""), listing.value("hf_cache", ""));
  };
  for (const char* name :
       {"EASEL_MODELS", "XDG_DATA_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"})
    environment.set(name, std::nullopt);
  environment.set("HOME", root / "home");
  EXPECT_EQ(where(), std::pair(root / "home/.local/share/easel/models", root / "home/.cache/huggingface/hub"));
  environment.set("XDG_DATA_HOME", root / "data");
  environment.set("XDG_CACHE_HOME", root / "cache");
  EXPECT_EQ(where(), std::pair(root / "data/easel/models", root / "cache/huggingface/hub"));
  environment.set("EASEL_MODELS", root / "models");
  environment.set("HF_HOME", root / "hf-home");
  EXPECT_EQ(where(), std::pair(root / "models", root / "hf-home/hub"));
  environment.set("HUGGINGFACE_HUB_CACHE", root / "older-cache");
  EXPECT_EQ(where().second, root / "older-cache");
  environment.set("HF_HUB_CACHE", root / "hub-cache");
  EXPECT_EQ(where().second, root / "hub-cache");
  environment.set("EASEL_MODELS", "");
  EXPECT_EQ(where().first, root / "data/easel/models");

  environment.set("XDG_DATA_HOME", "");
  environment.set("HOME", "");
  const CliRun none = run_easel({"models", "list"});
  EXPECT_EQ(none.exit_code, static_cast<int>(ErrorKind::capability)) << none.out;
  EXPECT_NE(none.err.find("no models directory: set EASEL_MODELS"), std::string::npos) << none.err;
}

TEST(Checksum, MatchesGitAndSha256KnownAnswers) {
  const fs::path file = temp_dir() / "hello.txt";
  std::ofstream(file) << "hello\n";
  EXPECT_EQ(models::git_blob_id_of_file(file), "ce013625030ba8dba906f756967f9e9ca394464a");  // git hash-object
  EXPECT_EQ(models::sha256_of_file(file), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

}  // namespace
}  // namespace easel::test
