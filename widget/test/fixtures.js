// Messages shaped like the channel's (docs/architecture.md, channels/webchat.py).

export const evidenceAnswer = {
  text: "Infections are the **main** risk.\n\n- fever\n- tiredness\n\n*Sources:* Sormani et al., Neurology (2017)",
  custom: {
    type: "evidence_answer",
    topic: "side_effects",
    evidence_ids: ["side_effects.infections", "side_effects.short_and_long_term"],
    sources: [
      {
        id: "sormani_2017",
        title: "Autologous hematopoietic stem cell transplantation in multiple sclerosis: a meta-analysis",
        publisher: "Neurology",
        year: 2017,
        url: "https://doi.org/10.1212/WNL.0000000000003987",
      },
      { id: "nmss", title: "Stem Cell Therapy for MS", publisher: "National Multiple Sclerosis Society (US)" },
    ],
  },
};

export const relatedTopics = {
  text: "You might also want to know about:",
  quick_replies: [
    { content_type: "text", title: "Tell me more", payload: "/tell_me_more" },
    { content_type: "text", title: "Cost", payload: "/ask_cost_insurance" },
  ],
};

export const deferral = {
  text: "This is general information, not medical advice.",
  custom: { type: "specialist_deferral" },
};

export const urgent = {
  text: "**If this is an emergency, call your local emergency number now.**",
  custom: { type: "urgent_help" },
};
