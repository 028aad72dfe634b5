//! Entry point: mount the app on the page.

fn main() {
    yew::Renderer::<minikafka_web::app::App>::new().render();
}
