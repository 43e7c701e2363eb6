import { Icon } from '../components/icons';

export const PersonIcon = () => (
  <Icon>
    <circle cx="8" cy="5.5" r="2.75" />
    <path d="M2.75 13.5c.6-2.6 2.7-4 5.25-4s4.65 1.4 5.25 4" />
  </Icon>
);
export const PeopleIcon = () => (
  <Icon>
    <circle cx="6" cy="5.75" r="2.25" />
    <path d="M1.75 13c.5-2.2 2.2-3.4 4.25-3.4s3.75 1.2 4.25 3.4" />
    <path d="M10.25 3.6a2.25 2.25 0 0 1 0 4.3M11.5 9.8c1.4.4 2.4 1.5 2.75 3.2" />
  </Icon>
);
export const AuditIcon = () => (
  <Icon>
    <path d="M4 1.75h5.5L12.25 4.5v9.75H4z" />
    <path d="M6 7h4.25M6 9.5h4.25M6 12h2.5" />
  </Icon>
);
