#include "easel/cli/output_options.hpp"

#include <chrono>
#include <iostream>

#include "easel/core/error.hpp"

namespace easel::cli {
namespace fs = std::filesystem;

void OutputOptions::declare(CLI::App& command, bool output_required) {
  auto* out = command.add_option("-o,--output", output, "Output image (.png, .jpg, .webp)");
  if (output_required) out->required();
  command.add_option("--report", report, "Write the JSON report (plan, verification, timings) here");
  command.add_option("--format", format, "Output format: png, jpeg or webp (default: from the output's extension)")
      ->check(CLI::IsMember({"png", "jpeg", "jpg", "webp"}));
  command.add_option("--quality", quality, "JPEG/WebP quality 1-100 (WebP 100 = lossless)")->check(CLI::Range(1, 100));
  command.add_option("--png-compression", png_compression, "PNG compression level 0-9")->check(CLI::Range(0, 9));
  command.add_option("--max-megapixels", max_megapixels, "Refuse inputs larger than this (decompression-bomb guard)")
      ->check(CLI::Range(0.01, 1000.0));
  command.add_option("--max-file-mb", max_file_megabytes, "Refuse input files larger than this many megabytes")
      ->check(CLI::Range(0.01, 10000.0));
  command.add_flag("--json", json, "Print a JSON summary on stdout instead of text");
}

DecodeLimits OutputOptions::limits() const {
  return {static_cast<std::uint64_t>(max_megapixels * 1e6),
          static_cast<std::uint64_t>(max_file_megabytes * 1024 * 1024)};
}

EncodeOptions OutputOptions::encode_options() const {
  EncodeOptions options;
  const ImageFormat by_extension = format_from_extension(output);
  options.format = format.empty() ? by_extension : format_from_name(format);
  if (options.format != by_extension) {
    throw Error(ErrorKind::usage, "--format " + format + " does not match the output file name " + output.string() +
                                      " (use a ." + format_name(options.format) + " name)");
  }
  options.quality = quality;
  options.png_compression = png_compression;
  return options;
}

namespace {

// What failed, in a few words: the strings that do not read back, preserved areas that changed.
std::string verification_failure(const nlohmann::json& verification) {
  std::string what;
  const auto add = [&](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
  for (const auto& text : verification["text"]) {
    if (text.value("status", "") == "failed")
      add("\"" + text["expected"].get<std::string>() + "\" does not read back in the output");
  }
  for (const auto& item : verification["preserve"]) {
    if (!item.value("ok", true)) add("a preserved area changed");
  }
  if (verification["preservation"].value("changed_pixels_outside", 0) != 0)
    add("pixels outside the edited regions changed");
  return what.empty() ? "the report's verification is not ok" : what;
}

}  // namespace

void refuse_unverified(const OutputOptions& options, const nlohmann::json& report) {
  if (!options.report.empty()) {
    const std::string text = report.dump(2) + "\n";
    write_file_atomically(options.report, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  if (options.json) {
    std::cout << nlohmann::json{{"output", nullptr},
                                {"report", options.report.empty() ? nullptr : nlohmann::json(options.report.string())},
                                {"verification", report["verification"]},
                                {"unsupported", report["plan"]["unsupported"]}}
                     .dump(2)
              << "\n";
  }
  throw VerificationFailed("verification failed: " + verification_failure(report["verification"]) + "; " +
                           options.output.string() + " was not written" +
                           (options.report.empty() ? " (--report FILE writes the report)" : ", the report says why"));
}

void write_result(const OutputOptions& options, const Image& image, const OutputMetadata& metadata,
                  nlohmann::json report) {
  const auto started = std::chrono::steady_clock::now();
  const auto encoded = encode_image(image, options.encode_options(), metadata);
  const double encode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  report["timings_ms"]["encode"] = encode_ms;
  report["usage"]["compute_ms"] = report["usage"]["compute_ms"].get<double>() + encode_ms;
  report["output"] = {{"path", options.output.string()},
                      {"format", format_name(options.encode_options().format)},
                      {"width", image.width()},
                      {"height", image.height()},
                      {"bytes", encoded.size()}};
  if (!options.report.empty()) {
    const std::string text = report.dump(2) + "\n";
    write_file_atomically(options.report, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  try {
    write_file_atomically(options.output, encoded);
  } catch (const Error&) {
    std::error_code ignored;
    if (!options.report.empty()) fs::remove(options.report, ignored);
    throw;
  }
  if (options.json) {
    std::cout << nlohmann::json{{"output", options.output.string()},
                                {"report", options.report.empty() ? nullptr : nlohmann::json(options.report.string())},
                                {"width", image.width()},
                                {"height", image.height()},
                                {"preservation", report["verification"]["preservation"]},
                                {"unsupported", report["plan"]["unsupported"]}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "wrote " << options.output.string() << " (" << image.width() << "x" << image.height() << ", "
            << format_name(options.encode_options().format) << ", " << encoded.size() << " bytes)\n";
  if (!options.report.empty()) std::cout << "report " << options.report.string() << "\n";
}

}  // namespace easel::cli
