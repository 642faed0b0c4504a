#pragma once
// Registration entry points, one per operation file.
namespace easel {

class Registry;

void register_color_adjust(Registry& registry);
void register_image_crop(Registry& registry);
void register_image_resize(Registry& registry);
void register_canvas_expand(Registry& registry);
void register_text_add(Registry& registry);
void register_text_replace(Registry& registry);
void register_region_recolor(Registry& registry);
void register_object_remove(Registry& registry);
void register_style_apply(Registry& registry);
void register_color_match(Registry& registry);
void register_image_composite(Registry& registry);
void register_image_upscale(Registry& registry);
void register_background_replace(Registry& registry);
void register_background_remove(Registry& registry);
void register_background_blur(Registry& registry);
void register_generate_image(Registry& registry);
void register_generate_img2img(Registry& registry);
void register_generate_variation(Registry& registry);
void register_generate_instruct(Registry& registry);
void register_object_add(Registry& registry);
void register_object_replace(Registry& registry);

}  // namespace easel
