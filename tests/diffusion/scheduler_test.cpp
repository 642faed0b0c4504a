#include "easel/diffusion/scheduler.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

const std::map<std::string, SamplerKind>& golden_samplers() {
  static const std::map<std::string, SamplerKind> samplers = {
      {"euler", SamplerKind::euler},       {"euler_ancestral", SamplerKind::euler_ancestral},
      {"dpmpp_2m", SamplerKind::dpmpp_2m}, {"dpmpp_2m_karras", SamplerKind::dpmpp_2m_karras},
      {"ddim", SamplerKind::ddim},         {"lcm", SamplerKind::lcm}};
  return samplers;
}

// The resolved config of one golden scheduler, e.g. "sd21_v/ddim".
SchedulerConfig golden_config(const nlohmann::json& configs, const std::string& key) {
  const auto path = easel::test::temp_dir() / "scheduler_config.json";
  std::ofstream(path) << configs.at(key).dump();
  return SchedulerConfig::from_json_file(path);
}

nlohmann::json golden_tables() {
  std::ifstream in(test::goldens() / "scheduler_tables.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in);
}

std::vector<double> doubles(const at::Tensor& tensor) {
  const at::Tensor values = tensor.to(at::kDouble).contiguous();
  return {values.data_ptr<double>(), values.data_ptr<double>() + values.numel()};
}

void expect_relative(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_LE(std::abs(actual[i] - expected[i]), 1e-6 * std::max(1e-3, std::abs(expected[i])))
        << what << " [" << i << "]";
  }
}

TEST(Scheduler, BetasAndAlphasCumprodMatch) {
  const SafetensorsFile file(test::goldens() / "scheduler_betas.safetensors");
  const Scheduler scheduler(SamplerKind::ddim, SchedulerConfig{});
  test::expect_close(scheduler.alphas_cumprod(), test::golden(file, "alphas_cumprod"), 1e-7, 1e-7, "alphas_cumprod");
}

TEST(Scheduler, TimestepAndSigmaTablesMatch) {
  const auto json = golden_tables();
  ASSERT_EQ(json["tables"].size(), 90u);
  for (const auto& [key, table] : json["tables"].items()) {
    SCOPED_TRACE(key);
    const auto last_slash = key.rfind('/');
    const std::string config_key = key.substr(0, last_slash);
    const std::string sampler = config_key.substr(config_key.find('/') + 1);
    Scheduler scheduler(golden_samplers().at(sampler), golden_config(json["configs"], config_key));
    scheduler.set_timesteps(std::stoi(key.substr(last_slash + 1)));
    const auto expected_timesteps = table["timesteps"].get<std::vector<double>>();
    if (table["timesteps_dtype"] == "int64") {
      EXPECT_EQ(scheduler.timesteps().scalar_type(), at::kLong);
      EXPECT_EQ(doubles(scheduler.timesteps()), expected_timesteps);
    } else {
      EXPECT_EQ(scheduler.timesteps().scalar_type(), at::kFloat);
      expect_relative(doubles(scheduler.timesteps()), expected_timesteps, "timesteps");
    }
    expect_relative({scheduler.init_noise_sigma()}, {table["init_noise_sigma"].get<double>()}, "init_noise_sigma");
    if (table.contains("sigmas"))
      expect_relative(doubles(scheduler.sigmas()), table["sigmas"].get<std::vector<double>>(), "sigmas");
    if (table.contains("alphas_cumprod_at_timesteps")) {
      expect_relative(doubles(scheduler.alphas_cumprod().index_select(0, scheduler.timesteps())),
                      table["alphas_cumprod_at_timesteps"].get<std::vector<double>>(), "alphas_cumprod");
    }
  }
}

TEST(Scheduler, SamplingLoopsMatchStepByStep) {
  const auto json = golden_tables();
  const SafetensorsFile file(test::goldens() / "scheduler_steps.safetensors");
  std::set<std::string> loops;
  for (const auto& [name, info] : file.tensors())
    loops.insert(name.substr(0, name.find('/', name.find('/', name.find('/') + 1) + 1)));
  ASSERT_EQ(loops.size(), 16u);
  for (const std::string& loop : loops) {
    SCOPED_TRACE(loop);
    const auto last_slash = loop.rfind('/');
    const std::string config_key = loop.substr(0, last_slash);
    const std::string sampler = config_key.substr(config_key.find('/') + 1);
    const int steps = std::stoi(loop.substr(last_slash + 1));
    Scheduler scheduler(golden_samplers().at(sampler), golden_config(json["configs"], config_key));
    scheduler.set_timesteps(steps);
    int noise_index = 0;
    const NoiseSource noise = [&](at::IntArrayRef, bool used) {
      return used ? test::golden(file, loop + "/noise." + std::to_string(noise_index++)) : at::Tensor();
    };
    at::Tensor sample = test::golden(file, loop + "/x_init");
    for (int i = 0; i < steps; ++i) {
      const std::string prefix = loop + "/" + std::to_string(i) + "/";
      const at::Tensor expected_input = test::golden(file, prefix + "scaled_model_input");
      const double scale = std::max(1.0, expected_input.abs().max().item<double>());
      test::expect_close(scheduler.scale_model_input(sample, static_cast<std::size_t>(i)), expected_input, 1e-6,
                         1e-5 * scale, prefix + "scaled_model_input");
      const auto result =
          scheduler.step(test::golden(file, prefix + "model_output"), static_cast<std::size_t>(i), sample, noise);
      const at::Tensor expected = test::golden(file, prefix + "prev_sample");
      test::expect_close(result.prev_sample, expected, 1e-6, 1e-5 * std::max(1.0, expected.abs().max().item<double>()),
                         prefix + "prev_sample");
      for (const char* x0_name : {"pred_original_sample", "denoised"}) {
        if (!file.contains(prefix + x0_name)) continue;
        const at::Tensor expected_x0 = test::golden(file, prefix + x0_name);
        test::expect_close(result.pred_original_sample, expected_x0, 1e-6,
                           1e-5 * std::max(1.0, expected_x0.abs().max().item<double>()), prefix + x0_name);
      }
      sample = result.prev_sample;
    }
  }
}

}  // namespace
}  // namespace easel::diffusion
