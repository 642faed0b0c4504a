#include "typography/text_corpus.hpp"

namespace easel::test {

const std::vector<std::string>& typography_corpus() {
  static const std::vector<std::string> strings{
      // names
      "Morning Blend", "Maria Gonzalez", "Dr. Alan Turing", "Jean-Luc Picard", "Ada Lovelace", "Sofia Kowalski",
      "Hiroshi Tanaka", "Olivia Bennett", "The Blue Door Bakery", "Harbor & Pine", "Oak Street Market", "Café de Flore",
      "Zoë Saldaña", "José María Olazábal", "Björn Ulvaeus", "François Mitterrand", "Ångström Labs", "Müller & Söhne",
      // prices
      "$4.99", "Only $19.95", "€12,50", "£7.25 each", "Now $1,299.00", "Save $50 today", "Was $89, now $59",
      "Espresso $3.50", "Latte $4.75", "Two for $10", "Tickets from £25", "Total: $1,024.68",
      // percentages
      "50% OFF", "Save 25%", "100% Organic", "Up to 70% off everything", "12.5% APR", "Only 3% fat",
      "99.9% uptime guaranteed", "Win 1 of 10 prizes, 20% off", "Battery 85%", "Humidity 64%",
      // dates and times
      "12 March 2024", "2024-06-01", "Since 1987", "Open 7am - 9pm", "Friday, 13 October", "Jan 1, 2025",
      "Est. 1952", "Summer 2023 Collection", "Monday to Saturday", "Doors open at 19:30", "Valid until 31/12/2024",
      "Sunday 10:00 - 16:00",
      // ©, ®, ™ and other signs
      "© 2024 Easel", "© Maria Gonzalez 2023", "Copyright © 2025 Harbor & Pine", "Easel™", "Blend® No. 5",
      "Photo: © J. Smith", "All rights reserved ©",
      // accented words
      "Crème brûlée", "Déjà vu", "Piñata", "Naïve café", "Über cool", "São Paulo", "Señor Pérez", "Fête de la Musique",
      "Smörgåsbord", "Crêpes & Galettes", "Façade", "Àgua fresca", "Ça va très bien", "Große Straße", "El Niño",
      // ALL CAPS
      "SALE", "GRAND OPENING", "FRESH COFFEE DAILY", "LIMITED EDITION", "NEW ARRIVALS", "CLOSED FOR RENOVATION",
      "BUY ONE GET ONE FREE", "HAPPY BIRTHDAY EMMA", "WELCOME HOME", "NO PARKING", "EXIT", "THANK YOU",
      // mixed case and sentences, up to 12 words
      "Hello", "Welcome", "Good morning, sunshine", "The quick brown fox jumps over the lazy dog",
      "Fresh bread baked every morning", "Meet us at the corner of Fifth and Main", "Live music every Friday night",
      "Please wait to be seated", "Handmade with love in Portland", "Free Wi-Fi for customers",
      "Your adventure starts here", "Keep calm and carry on", "Coffee, tea and fresh pastries", "Open late on weekends",
      "We deliver within 30 minutes or it is free", "Ask about our seasonal specials and gift cards",
      "iPhone 15 Pro Max", "McDonald's", "eBay Deals", "YouTube Channel", "PhD in Physics", "NASA Mission Control",
      "Mission to Mars 2030", "Apollo 11", "Flight BA 2490 to London", "Gate B12", "Room 404", "Order #58213",
      "Call 555-0123", "www.example.com", "hello@easel.dev", "Version 2.1.0", "Tea for Two",
      "A short walk from the station", "Best pizza in town since 1964", "Sunset over the bay",
  };
  return strings;
}

}  // namespace easel::test
